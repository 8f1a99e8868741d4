import test from 'node:test';
import assert from 'node:assert/strict';
import { assertChartBundle, assertValidSpec } from './helpers.mjs';
import { trainingCurves } from '../../dist/lib/viz/training.js';
import { vegaLiteToSvg } from '../../dist/lib/display/vegalite.js';
import { toMimeBundle } from '../../dist/lib/display/mime.js';

function history(epochs) {
  const out = [];
  for (let e = 1; e <= epochs; e++)
    for (const split of ['train', 'val']) {
      out.push({ epoch: e, head: 'label', split, metric: 'loss', value: 2 / e + (split === 'val' ? 0.1 : 0) });
      out.push({ epoch: e, head: 'label', split, metric: 'accuracy', value: 1 - 0.5 / e });
      out.push({ epoch: e, head: 'image', split, metric: 'loss', value: 1 / e });
    }
  return out;
}

test('trainingCurves: valid v5 spec with one panel per head and metric', async () => {
  const spec = trainingCurves(history(3));
  assertValidSpec(spec);
  assert.deepEqual(spec.facet.sort, ['label · loss', 'label · accuracy', 'image · loss']);
  assert.equal(spec.data.values.length, 18);
  const svg = await vegaLiteToSvg(JSON.parse(JSON.stringify(spec)));
  // Two lines (train, validation) per panel, three panels.
  const lines = (svg.match(/class="mark-line role-mark/g) ?? []).length;
  assert.ok(lines >= 3, `expected line marks, got ${lines}`);
  assert.match(svg, /validation/);
});

test('trainingCurves: empty and partial histories render (the live chart starts empty)', async () => {
  const empty = trainingCurves([]);
  assertValidSpec(empty);
  assert.match(await vegaLiteToSvg(JSON.parse(JSON.stringify(empty))), /Training curves \(no epochs yet\)/);
  const filtered = trainingCurves(history(2), { heads: ['image'], logLoss: true });
  assertValidSpec(filtered);
  assert.ok(filtered.data.values.every((v) => v.head === 'image'));
  const svg = await vegaLiteToSvg(JSON.parse(JSON.stringify(filtered)));
  assert.match(svg, /image · loss/);
  assert.doesNotMatch(svg, /label · /, 'only the asked head is drawn');
  // The epoch axis starts at the first epoch, where the first point is.
  assert.deepEqual(filtered.spec.layer[0].encoding.x.scale, { domainMin: 1, nice: false });
});

test('trainingCurves: renders itself as a vegalite + png + text bundle', async () => {
  const b = await toMimeBundle(trainingCurves(history(2)));
  assertChartBundle(b);
  assert.match(b['text/plain'], /Training curves/);
});
