// Re-executes the tutorials with `amalgam run` and writes their outputs back into notebooks/, each in
// a fresh scratch folder (they write a CSV and a registry where they run). Usage:
// npm run tutorials [-- 03-amalgamation.ipynb ...]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(DIR, '..', 'bin', 'amalgam.js');
const asked = process.argv.slice(2).map((f) => path.basename(f));
const notebooks = asked.length
  ? asked
  : fs
      .readdirSync(DIR)
      .filter((f) => /^\d\d-.+\.ipynb$/.test(f))
      .sort();
for (const file of notebooks) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-refresh-'));
  fs.copyFileSync(path.join(DIR, file), path.join(scratch, file));
  const started = Date.now();
  execFileSync(process.execPath, [CLI, 'run', file, '-o', path.join(DIR, file)], { cwd: scratch, stdio: 'inherit' });
  console.log(`${file}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  fs.rmSync(scratch, { recursive: true, force: true });
}
