// The reference amalgamation through the real kernel and Jupyter's nbclient: build, display, %train
// with live updates, %evaluate, %latent on its representations, bad input that loses nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorOf, runCells, textOf } from '../helpers/notebook.mjs';

const reference = `const fm = amalgamate({
  input: [28, 28, 1],
  bottom: { blocks: [{ conv: { filters: 16 } }, { pool: {} }, { conv: { filters: 32 } }, { pool: {} }] },
  representations: { latent_high: { units: 64 }, latent_low: { units: 16 }, logits: { units: 10 } },
  heads: {
    label: { from: 'logits', task: 'classify', target: 'label' },
    recon: { from: 'latent_low', task: 'reconstruct', weight: 0.5 },
    coarse: { from: ['latent_low', 'probs'], task: 'classify', target: 'coarse', units: 4, layers: [{ dense: { units: 16 } }] },
  },
})
fm`;

const cells = [
  `import { amalgamate, train } from 'amalgam'\nimport * as tf from '@tensorflow/tfjs'`, // 0
  '%seed 5', // 1
  '%load fashion fashion-mnist', // 2
  reference, // 3
  '%train fm --data fashion --epochs 2 --limit 1200 --batch 64', // 4
  '%evaluate fm --data fashion --limit 400', // 5
  '%latent fm --data fashion --rep all --n 100', // 6
  '%train nope --data fashion', // 7
  '%train fm --data nowhere', // 8
  '%train fm --data fashion --weights labl=1', // 9
  `fm.addHead('bad', { from: 'latent_lo', task: 'classify', units: 2 })`, // 10
  `const acc = train.evaluate(fm, fashion, { limit: 400 }).metrics.label.acc\nconsole.log(acc > 0.4, fm.headNames.join(','))`, // 11
  '%freeze fm bottom', // 12
  '%train?', // 13
];

const data = (cell, mime) =>
  cell.outputs
    .filter((o) => o.data?.[mime])
    .map((o) =>
      typeof o.data[mime] === 'object' && !Array.isArray(o.data[mime])
        ? JSON.stringify(o.data[mime])
        : [].concat(o.data[mime]).join(''),
    );

test('reference amalgamation through nbclient: display, %train live, %evaluate, %latent, errors keep state', {
  timeout: 300_000,
}, async () => {
  const nb = await runCells(cells, { timeout: 200 });
  for (const i of [0, 1, 2, 3, 4, 5, 6, 11, 12, 13])
    assert.equal(errorOf(nb.cells[i]), undefined, `cell ${i}: ${JSON.stringify(errorOf(nb.cells[i]))}`);
  // display: the diagram as a PNG (also inside the HTML, where nbconvert keeps it) + component table
  assert.ok(data(nb.cells[3], 'image/png')[0].startsWith('iVBORw0KGgo'), 'a PNG diagram');
  assert.match(
    data(nb.cells[3], 'text/html')[0],
    /<img src="data:image\/png;base64,[^"]+" width="\d+" alt="amalgamation diagram">/,
  );
  for (const n of ['bottom', 'latent_high', 'latent_low', 'logits', 'probs', 'label', 'recon', 'coarse'])
    assert.match(data(nb.cells[3], 'text/plain')[0], new RegExp(`^${n} `, 'm'), `component ${n} listed`);
  assert.match(data(nb.cells[3], 'text/plain')[0], /coarse\s+head \(classify\)\s+latent_low \+ probs/);
  // %train: one progress line (updated in place, not a stream) and one live chart, then the summary
  const train = nb.cells[4];
  assert.equal(textOf(train), '', 'no printed stream of lines');
  const lines = data(train, 'text/plain').filter((t) => t.startsWith('epoch'));
  assert.equal(lines.length, 1, `one progress output: ${JSON.stringify(lines)}`);
  assert.match(
    lines[0],
    /^epoch 2\/2 · 1,080\/1,080 · [\d,]+ samples\/s · ETA .* loss label [\d.]+ · recon [\d.]+ · coarse [\d.]+/,
  );
  const charts = data(train, 'application/vnd.vegalite.v5+json');
  assert.equal(charts.length, 1, 'one chart, updated in place');
  assert.match(charts[0], /label · loss/);
  const summary = data(train, 'text/plain').at(-1);
  assert.match(summary, /fm: 2 epochs in [\d.]+ s/);
  assert.match(summary, /^head\s+loss\s+acc/m);
  assert.match(summary, /^label\s+[\d.]+\s+0\.\d+/m);
  // %evaluate: a confusion matrix per classify head + metrics
  const ev = nb.cells[5];
  assert.equal(data(ev, 'application/vnd.vegalite.v5+json').length, 2);
  assert.match(data(ev, 'text/plain').at(-1), /fm on 400 rows/);
  // %latent on the amalgamation's own representations
  const latent = JSON.parse(data(nb.cells[6], 'application/vnd.vegalite.v5+json')[0]);
  assert.equal(latent.concat.length, 4);
  // bad input names the thing
  assert.match(errorOf(nb.cells[7]).evalue, /%train: no model nope in this session; amalgamations: fm/);
  assert.match(errorOf(nb.cells[8]).evalue, /--data nowhere: .*unknown dataset/i);
  assert.match(errorOf(nb.cells[9]).evalue, /no head "labl"/);
  assert.match(errorOf(nb.cells[10]).evalue, /head "bad" reads "latent_lo".*did you mean "latent_low"/);
  // ... and loses nothing
  assert.equal(textOf(nb.cells[11]).trim(), 'true label,recon,coarse');
  assert.match(data(nb.cells[12], 'text/plain')[0], /bottom\s+bottom\s+input.*frozen/);
  assert.match(data(nb.cells[13], 'text/plain').join('') + textOf(nb.cells[13]), /%train MODEL --data NAME/);
});
