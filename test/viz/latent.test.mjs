import test from 'node:test';
import assert from 'node:assert/strict';
import { assertChartBundle, assertValidSpec, countMarks, svgOf } from './helpers.mjs';
import { tinyDataset, tinyModel } from './fixtures.mjs';
import { latent } from '../../dist/lib/viz/latent.js';
import { vegaLiteBundle } from '../../dist/lib/display/vegalite.js';
import { stratifiedSample } from '../../dist/lib/viz/sample.js';
import { seed } from '../../dist/lib/random.js';
import { withoutLeaks } from '../helpers/leaks.mjs';

const bytesOf = (bundle) =>
  Object.values(bundle).reduce((s, v) => s + Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)), 0);

test('stratified sample keeps class shares and is seeded', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => (i < 900 ? 'a' : i < 990 ? 'b' : 'c'));
  seed(3);
  const a = stratifiedSample(labels, 1000, 100);
  seed(3);
  assert.deepEqual(stratifiedSample(labels, 1000, 100), a);
  const count = (c) => a.filter((i) => labels[i] === c).length;
  assert.equal(a.length, 100);
  assert.deepEqual([count('a'), count('b'), count('c')], [90, 9, 1]);
});

test('latent --rep all: four linked views, tooltips with thumbnails, valid, SVG points, < 1 MB', async () => {
  const data = tinyDataset(600);
  const model = tinyModel();
  seed(11);
  const spec = await latent(model, data, { rep: 'all', n: 100, quality: true });
  assertValidSpec(spec);
  assert.equal(spec.concat.length, 4);
  assert.deepEqual(spec.params[0].views, ['view_latent_high', 'view_latent_low', 'view_logits', 'view_probs']);
  assert.equal(spec.data.values.length, 100);
  const v = spec.data.values[0];
  for (const k of ['label', 'pred', 'confidence', 'correct', 'image', 'latent_high_x', 'probs_y'])
    assert.ok(k in v, `row has ${k}`);
  assert.match(v.image, /^data:image\/png;base64,iVBORw0KGgo/);
  // only test rows (the default split), stratified over 10 classes
  assert.ok(spec.data.values.every((r) => Math.floor(r.row / 10) % 5 === 0));
  assert.equal(new Set(spec.data.values.map((r) => r.label)).size, 10);
  assert.ok(spec.latent.views.every((w) => w.trustworthiness > 0.5 && w.trustworthiness <= 1));
  assert.equal(countMarks(await svgOf(spec), 'symbol'), 400);
  const bundle = await vegaLiteBundle(spec);
  assertChartBundle(bundle);
  assert.ok(bytesOf(bundle) < 1_000_000);
  // Two views a row: four side by side overflowed classic Notebook's output area.
  assert.equal(spec.columns, 2);

  seed(11);
  const again = await latent(model, data, { rep: 'all', n: 100, quality: true });
  assert.deepEqual(again.data.values, spec.data.values, 'same seed, same points and layouts');
  model.net.dispose();
});

test('latent with umap and t-SNE, colour by correctness, single view', async () => {
  const data = tinyDataset(400);
  const model = tinyModel();
  for (const method of ['umap', 'tsne']) {
    seed(5);
    const spec = await latent(model, data, { rep: 'latent_high', method, color: 'correct', n: 80, split: 'train' });
    assertValidSpec(spec);
    assert.equal(spec.encoding.color.condition.field, 'correct');
    assert.equal(spec.data.values.length, 80);
    assert.equal(countMarks(await svgOf(spec), 'symbol'), 80);
    assertChartBundle(await vegaLiteBundle(spec));
  }
  model.net.dispose();
});

test('latent of 10,000 images: thumbnails cut to budget with a note, payload < 1 MB', async () => {
  const data = tinyDataset(10_000);
  const model = tinyModel();
  seed(2);
  const spec = await withoutLeaks(() => latent(model, data, { rep: 'all', n: 2000, split: 'train' }), 'latent');
  assertValidSpec(spec);
  assert.equal(spec.data.values.length, 2000);
  const bundle = await vegaLiteBundle(spec);
  const bytes = bytesOf(bundle);
  assert.ok(bytes < 1_000_000, `payload ${bytes}`);
  assertChartBundle(bundle);
  assert.match(JSON.stringify(spec.title), /2,000 of 8,000 train rows/);
  model.net.dispose();
});
