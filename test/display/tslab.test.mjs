// The library inside a stock tslab kernel (tslab from npm, run by Debian's nbclient): displays carry
// the same rich bundles as in amalgam's own kernel (Vega-Lite + PNG, dataset tables, the model).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/kernelspec.mjs';

const BIN = join(ROOT, 'node_modules', '.bin');

function runInTslab(cells) {
  const prefix = mkdtempSync(join(tmpdir(), 'amalgam-tslab-spec-'));
  execFileSync(join(BIN, 'tslab'), ['install', '--python=/usr/bin/python3', '--prefix', prefix]);
  // A notebook folder where `import ... from 'amalgam'` resolves to this checkout, as after `npm install amalgam`.
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-tslab-nb-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'amalgam'));
  const output = join(dir, 'out.ipynb');
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ cells, output, kernel: 'tslab', timeout: 120 }));
  const env = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, JUPYTER_PATH: join(prefix, 'share', 'jupyter') };
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [join(ROOT, 'test', 'helpers', 'run_notebook.py')], { cwd: dir, env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(readFileSync(output, 'utf8')))
        : reject(new Error(`nbclient: ${err.slice(-2000)}`)),
    );
    child.stdin.end(readFileSync(join(dir, 'request.json')));
  });
}

const displays = (cell) => cell.outputs.filter((o) => o.output_type === 'display_data');

test('tslab: amalgam displays a chart (Vega-Lite + PNG), a dataset table and a model diagram', async () => {
  const nb = await runInTslab([
    "import { display, viz, amalgamate, data } from 'amalgam'",
    "await display(viz.scatter([{ a: 1, b: 2 }, { a: 2, b: 3 }], 'a', 'b'))",
    "const iris = await data.loadDataset('iris')\nawait display(iris)",
    'await display(amalgamate({ input: [4], bottom: { blocks: [{ dense: { units: 4 } }] }, representations: { logits: { units: 3 } } }))',
  ]);
  for (const c of nb.cells)
    assert.equal(
      c.outputs.find((o) => o.output_type === 'error'),
      undefined,
      c.source,
    );
  const [chart] = displays(nb.cells[1]);
  assert.equal(chart.data['application/vnd.vegalite.v5+json'].encoding.x.field, 'a');
  assert.ok(
    Buffer.from(chart.data['image/png'], 'base64').subarray(1, 4).toString() === 'PNG',
    'a PNG beside the spec',
  );
  const [table] = displays(nb.cells[2]);
  assert.match(table.data['text/html'], /<b>Dataset iris: 150 rows × 5 columns/);
  const [diagram] = displays(nb.cells[3]);
  assert.match(diagram.data['text/html'], /<img src="data:image\/png;base64,/);
  assert.match(diagram.data['text/plain'], /^Amalgamation: [\d,]+ parameters/);
});
