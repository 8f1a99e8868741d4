// Installs this checkout's kernelspec into a private Jupyter data dir, once per test process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'amalgam.js');
let prefix;

/** The env that makes Jupyter find the amalgam kernelspec installed with `amalgam install --prefix`. */
export function jupyterEnv() {
  if (!prefix) {
    prefix = mkdtempSync(join(tmpdir(), 'amalgam-spec-'));
    execFileSync(process.execPath, [CLI, 'install', '--prefix', prefix]);
  }
  return { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
}
