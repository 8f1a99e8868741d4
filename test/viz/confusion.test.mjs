import test from 'node:test';
import assert from 'node:assert/strict';
import { assertValidSpec, countMarks, svgOf } from './helpers.mjs';
import { confusionMatrix, confusionCounts } from '../../dist/lib/viz/confusion.js';
import { headSummary } from '../../dist/lib/viz/summary.js';
import { toMimeBundle } from '../../dist/lib/display/mime.js';

test('confusion counts, precision and recall', () => {
  const t = [0, 0, 0, 1, 1, 2];
  const p = [0, 0, 1, 1, 2, 2];
  const c = confusionCounts(t, p, ['a', 'b', 'c']);
  assert.deepEqual(c.counts, [
    [2, 1, 0],
    [0, 1, 1],
    [0, 0, 1],
  ]);
  assert.equal(c.metrics[0].precision, 1);
  assert.equal(c.metrics[0].recall, 2 / 3);
  assert.equal(c.metrics[1].precision, 0.5);
  assert.equal(c.accuracy, 4 / 6);
  // probabilities are argmaxed
  assert.deepEqual(
    confusionCounts(
      [1, 0],
      [
        [0.2, 0.8],
        [0.9, 0.1],
      ],
    ).counts,
    [
      [1, 0],
      [0, 1],
    ],
  );
});

test('confusionMatrix: valid spec, k² cells and 2k bars in SVG', async () => {
  const t = Array.from({ length: 500 }, (_, i) => i % 10);
  const p = t.map((v, i) => (i % 7 === 0 ? (v + 1) % 10 : v));
  const spec = confusionMatrix(t, p, {
    classes: ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Boot'],
  });
  assertValidSpec(spec);
  const svg = await svgOf(spec);
  assert.equal(countMarks(svg, 'rect'), 100 + 20);
  assert.match(svg, /Sneaker/);
  // Counts are white only on dark cells (past half the darkest count): the diagonal, not the
  // few errors on pale cells, whatever share of their row those errors are.
  const max = Math.max(...spec.data.values.filter((v) => v.kind === 'cell').map((v) => v.count));
  assert.equal(spec.hconcat[0].layer[1].encoding.color.condition.test, `datum.count > ${max / 2}`);
});

test('headSummary: last and best values per head', async () => {
  const rec = [];
  for (let e = 1; e <= 3; e++)
    for (const split of ['train', 'val']) {
      rec.push({
        epoch: e,
        head: 'label',
        split,
        metric: 'loss',
        value: [0, 1, 0.5, 0.7][e] + (split === 'val' ? 0.1 : 0),
      });
      rec.push({ epoch: e, head: 'label', split, metric: 'accuracy', value: e / 4 });
    }
  const s = headSummary(rec);
  const loss = s.rows.find((r) => r.metric === 'loss');
  assert.equal(loss.bestEpoch, 2);
  assert.equal(loss.train, 0.7);
  assert.equal(s.rows.find((r) => r.metric === 'accuracy').bestEpoch, 3);
  const b = await toMimeBundle(s);
  assert.match(b['text/html'], /<table class="dataframe">/);
});
