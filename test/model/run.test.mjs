// `amalgam run` selects the same backend as the kernel before the first cell: an amalgamation built
// in a headless notebook runs on wasm (before, it ran on tfjs's cpu default with its console banner).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLI } from '../helpers/kernelspec.mjs';

test('amalgam run: amalgamate in the first cell runs on the selected backend', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-run-model-'));
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: 'code',
        metadata: {},
        outputs: [],
        execution_count: null,
        source:
          "import { amalgamate, backend } from 'amalgam'\nconst m = amalgamate({ input: [4], bottom: { blocks: [{ dense: { units: 8 } }] }, representations: { logits: { units: 3 } } })\nconsole.log(backend.activeBackend(), m.outputNames.length)",
      },
    ],
  };
  fs.writeFileSync(path.join(dir, 'in.ipynb'), JSON.stringify(nb));
  execFileSync(process.execPath, [CLI, 'run', path.join(dir, 'in.ipynb'), '-o', path.join(dir, 'out.ipynb')], {
    cwd: dir,
    stdio: 'pipe',
  });
  const outputs = JSON.parse(fs.readFileSync(path.join(dir, 'out.ipynb'), 'utf8')).cells[0].outputs;
  assert.deepEqual(outputs, [{ output_type: 'stream', name: 'stdout', text: 'wasm 4\n' }]);
});
