// Served traffic and drift from a notebook, through the real kernel and nbclient: a server inside
// the kernel, traffic sent from type-checked cells, %latent --served, %drift, the same through the
// typed library (serve.served, viz.latent({served}), serve.drift), %retrain --if-drift promoting a
// challenger the running server then follows, and errors that keep the session.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { errorOf, runCells, textOf } from '../helpers/notebook.mjs';

const allText = (cell) =>
  cell.outputs
    .map((o) => [o.text, o.data?.['text/plain'], o.data?.['text/html']].flat().filter(Boolean).join(''))
    .join('\n');

test('%latent --served, %drift and %retrain --if-drift against a server in the kernel', {
  timeout: 400_000,
}, async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-drift-nb-'));
  const cells = [
    `import { amalgamate, data, registry, seed, serve, train, viz } from 'amalgam'
seed(3)
const ds = await data.loadDataset('digits')
const m = amalgamate({ input: [8, 8, 1], bottom: { blocks: [{ conv: { filters: 8 } }, { pool: {} }] },
  representations: { latent_high: { units: 32 }, latent_low: { units: 6 }, logits: { units: 10 } },
  heads: { digit: { from: 'logits', task: 'classify', target: 'label' }, recon: { from: 'latent_low', task: 'reconstruct', weight: 0.2 } } })
m.pipeline = data.pipeline([{ type: 'images', scale: 'max' }]).fit(ds)
await train.fit(m, ds, { epochs: 1, limit: 150, live: false })
const saved = registry.save(m, 'digits', { tag: 'production', data: { dataset: 'digits', limit: 150 } })`, // 0
    '%serve digits@production', // 1
    `const server = serve.servers()[0]
const pixels = ds.images!.data
const row = (i: number, f: (v: number) => number = (v) => v): number[] =>
  Array.from(pixels.subarray(i * 64, (i + 1) * 64), (v) => f(v / 16))
async function send(rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 20)
    await fetch(server.url + '/v1/models/digits:predict', { method: 'POST', body: JSON.stringify({ instances: rows.slice(i, i + 20) }) })
}
await send(Array.from({ length: 290 }, (_, i) => row(3 + 6 * i)))   // traffic like the training data`, // 2
    '%drift m', // 3
    `const shiftedRows = Array.from({ length: 290 }, (_, i) => 4 + 6 * i)
const inverted = shiftedRows.map((i) => row(i, (v) => 1 - v))   // the camera now sends negatives
await send(inverted)
const labels = Array.from(ds.table.array('label') as ArrayLike<number>)
const fb = await fetch(server.url + '/v1/models/digits/feedback', { method: 'POST',
  body: JSON.stringify({ instances: inverted, labels: { digit: shiftedRows.map((i) => labels[i]) } }) })
console.log(fb.status)`, // 4
    '%latent m --data ds --served --rep all', // 5
    '%drift m', // 6
    `const sample: serve.ServedSample = await serve.served({ model: m })
const byTime = await viz.latent(m, ds, { served: sample, color: 'time', n: 300 })
const report: serve.DriftReport = await serve.drift(m, { rep: 'latent_low' })
console.log(sample.n, sample.label.filter((l) => l !== undefined).length >= 200, report.drifted('latent_low'), report.reps[0].pValue < 0.05, !/no time available/.test(JSON.stringify(byTime)))`, // 7
    '%retrain digits --from production --if-drift --epochs 3 --tolerance 0.05', // 8
    `const promoted = registry.versions('digits').find((v) => v.tags.includes('production'))!.id
for (let i = 0; i < 200 && server.holder('digits').defaultVersion.id !== promoted; i++) await new Promise((r) => setTimeout(r, 25))
console.log(promoted !== saved.version, server.holder('digits').defaultVersion.id === promoted)`, // 9
    '%drift nothere', // 10
    '%latent m --data ds --served nosuchtag', // 11
    '%drift m --rep sideways', // 12
    `console.log(sample.n)`, // 13
    '%unserve digits', // 14
  ];
  const nb = await runCells(cells, { timeout: 240, cwd });
  if (process.env.DRIFT_NB_DUMP) fs.writeFileSync(process.env.DRIFT_NB_DUMP, JSON.stringify(nb));
  for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14])
    assert.equal(errorOf(nb.cells[i]), undefined, `cell ${i}: ${JSON.stringify(errorOf(nb.cells[i]))}`);
  assert.match(allText(nb.cells[3]), /Drift of digits@[0-9a-f]{12}: 0 of 4 representations drifted/);
  assert.equal(textOf(nb.cells[4]).trim(), '200');
  const chart = nb.cells[5].outputs.find((o) => o.data?.['application/vnd.vegalite.v5+json']);
  assert.ok(chart?.data['image/png'], 'the latent chart with its PNG');
  const spec = chart.data['application/vnd.vegalite.v5+json'];
  assert.match(
    JSON.stringify(spec.title),
    /580 served rows of digits@[0-9a-f]{12} placed by the training PCA's transform/,
  );
  assert.equal(spec.concat.length, 4);
  assert.ok(
    spec.data.values.some((v) => v.source === 'served' && v.label !== '(no feedback)'),
    'feedback labels show',
  );
  const fired = allText(nb.cells[6]);
  assert.match(fired, /4 of 4 representations drifted/);
  assert.match(fired, /<img alt="drift over time" src="data:image\/png;base64,/);
  assert.equal(textOf(nb.cells[7]).trim(), '580 true true true true', 'coloured by time, with no fallback note');
  const retrained = allText(nb.cells[8]);
  assert.match(retrained, /drift on latent_low \(MMD² [\d.]+, p [\d.]+\): retrained/);
  assert.match(retrained, /promoted: production → [0-9a-f]{12}/, retrained);
  assert.equal(textOf(nb.cells[9]).trim(), 'true true', 'the server follows the drift-triggered promotion');
  assert.match(errorOf(nb.cells[10]).evalue, /%drift: .*nothere/);
  assert.match(errorOf(nb.cells[11]).evalue, /nosuchtag/);
  assert.match(errorOf(nb.cells[12]).evalue, /--rep expects one of latent_high, latent_low, logits, probs, all/);
  assert.equal(textOf(nb.cells[13]).trim(), '580', 'the session survives the errors');
});
