import { existsSync, readFileSync } from 'node:fs';
import { sha256 } from '../util/hash';
import { DataError } from './errors';

/** Reads a file and refuses it when its sha256 differs from the expected one. */
export function readVerified(path: string, expected: string): Buffer {
  if (!existsSync(path)) throw new DataError(`dataset file missing: ${path}`, { file: path });
  const bytes = readFileSync(path);
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new DataError(
      `refusing ${path}: sha256 ${actual} does not match the manifest (${expected}); the file is corrupt or was changed`,
      { file: path },
    );
  }
  return bytes;
}
