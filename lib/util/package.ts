// The package itself, found one way for the whole library: its root folder (datasets/, the
// kernelspec logos, the wasm binaries live there) and its package.json.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The package root: this file is dist/lib/util/package.js in the package. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

export const PACKAGE_NAME = manifest.name;
export const PACKAGE_VERSION = manifest.version;
