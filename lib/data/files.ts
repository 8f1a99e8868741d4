import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256 } from '../util/hash';
import { DataError } from './errors';

/** The package root (the folder with datasets/manifest.json), found from this module's location. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'datasets', 'manifest.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new DataError(`datasets/manifest.json not found above ${__dirname}`);
    dir = up;
  }
}

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
