// %serve, %unserve and %retrain through the real kernel and nbclient: the server runs inside the
// kernel, type-checked cells call it, the printed curl line works as pasted, errors keep state.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { errorOf, runCells, textOf } from '../helpers/notebook.mjs';

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

test('%serve, calls from cells and curl, %retrain, %unserve through nbclient', { timeout: 300_000 }, async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-serve-nb-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const curl = `curl -s -d '${JSON.stringify({ instances: [new Array(64).fill(0)], outputs: ['latent_low'] })}' ${url}/v1/models/digits:predict`;
  const cells = [
    `import { amalgamate, data, registry, seed, serve, train } from 'amalgam'
seed(7)
const ds = await data.loadDataset('digits')
const m = amalgamate({ input: [8, 8, 1], bottom: { blocks: [{ conv: { filters: 8 } }, { pool: {} }] },
  representations: { latent_high: { units: 32 }, latent_low: { units: 6 }, logits: { units: 10 } },
  heads: { digit: { from: 'logits', task: 'classify', target: 'label' } } })
await train.fit(m, ds, { epochs: 1, limit: 100, live: false })
const saved = registry.save(m, 'digits', { tag: 'production', data: { dataset: 'digits', limit: 100 } })`, // 0
    `%serve digits@production --port ${port}`, // 1
    `const server = serve.servers()[0]
const res = await fetch(server.url + '/v2/models/digits/infer', { method: 'POST', body: JSON.stringify({
  id: 'nb', inputs: [{ name: 'input', shape: [1, 64], datatype: 'FP32', data: new Array(64).fill(0.5) }], outputs: [{ name: 'latent_low' }] }) })
const answer = (await res.json()) as { id: string; model_version: string; outputs: { name: string; shape: number[] }[] }
console.log(res.status, answer.id, answer.outputs.map((o) => o.name + ':' + o.shape.join('x')).join(), answer.model_version === saved.version)`, // 2
    `%%sh\n${curl}`, // 3
    '%serve nope', // 4
    '%serve digits --bogus 1', // 5
    '%unserve nothing', // 6
    `const x = Array.from(ds.images!.data.subarray(0, 1200 * 64), (v) => v / 16)
const rows = Array.from({ length: 1200 }, (_, i) => x.slice(i * 64, (i + 1) * 64))
const labels = Array.from(ds.table.array('label') as ArrayLike<number>).slice(0, 1200)
const fb = await fetch(server.url + '/v1/models/digits/feedback', { method: 'POST', body: JSON.stringify({ instances: rows, labels: { digit: labels } }) })
console.log(fb.status, ((await fb.json()) as { count: number }).count)`, // 7
    '%retrain digits --from production --epochs 3', // 8
    `const promoted = registry.versions('digits').find((v) => v.tags.includes('production'))!.id
for (let i = 0; i < 200 && server.holder('digits').defaultVersion.id !== promoted; i++) await new Promise((r) => setTimeout(r, 25))
console.log(promoted !== saved.version, server.holder('digits').defaultVersion.id === promoted)`, // 9
    '%unserve digits', // 10
    `console.log(serve.servers().length, await fetch(server.url + '/v2/health/live').then(() => 'up', () => 'down'))`, // 11
  ];
  const nb = await runCells(cells, { timeout: 180, cwd });
  for (const i of [0, 1, 2, 3, 7, 8, 9, 10, 11])
    assert.equal(errorOf(nb.cells[i]), undefined, `cell ${i}: ${JSON.stringify(errorOf(nb.cells[i]))}`);
  const printed = textOf(nb.cells[1]);
  assert.match(printed, new RegExp(`Serving digits@[0-9a-f]{12} \\(follows production\\) at ${url}`));
  assert.ok(printed.includes(curl), `the printed curl line:\n${printed}`);
  assert.equal(textOf(nb.cells[2]).trim(), '200 nb latent_low:1x6 true');
  const curlOut = JSON.parse(textOf(nb.cells[3]));
  assert.equal(curlOut.predictions[0].length, 6, 'the pasted curl line answers latent_low');
  assert.match(errorOf(nb.cells[4]).evalue, /%serve: no model "nope" in the registry/);
  assert.match(errorOf(nb.cells[5]).evalue, /%serve: unknown flag --bogus/);
  assert.match(errorOf(nb.cells[6]).evalue, /%unserve: nothing is not served here \(serving: digits\)/);
  assert.equal(textOf(nb.cells[7]).trim(), '200 1200', 'the server kept serving after the errors');
  const retrained = nb.cells[8].outputs.map((o) => [].concat(o.data?.['text/plain'] ?? '').join('')).join('\n');
  assert.match(retrained, /promoted: production → [0-9a-f]{12}/, retrained);
  assert.equal(textOf(nb.cells[9]).trim(), 'true true', 'the kernel-side server followed the promotion');
  assert.match(textOf(nb.cells[10]), new RegExp(`Stopped digits at ${url}`));
  assert.equal(textOf(nb.cells[11]).trim(), '0 down');
});
