// Projections against references: kNN by matrix products equals the brute force (ties included),
// PCA equals an eigendecomposition of the covariance, t-SNE keeps neighbourhoods (trustworthiness).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const { useBackend } = require('../../dist/lib/backend/index.js');
const { knn } = require('../../dist/lib/viz/matrix.js');
const { pca, symmetricEigen } = require('../../dist/lib/viz/pca.js');
const { tsne } = require('../../dist/lib/viz/tsne.js');
const { trustworthiness } = require('../../dist/lib/viz/trustworthiness.js');
const { clusteredData } = require('../../dist/bench/viz.js');

test('kNN through wasm matrix products equals the brute force, duplicates and ties included', async () => {
  const x = clusteredData(700, 48, 6, 3);
  // Exact duplicates and equidistant points: ties are broken by index in both.
  for (let i = 0; i < 40; i++) x.data.copyWithin((i + 100) * 48, i * 48, (i + 1) * 48);
  await tf.setBackend('cpu');
  const brute = knn(x, 15);
  await useBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const fast = knn(x, 15);
  assert.deepEqual(fast.indices, brute.indices);
  assert.deepEqual(fast.distances, brute.distances);
  // Large offsets make the float32 products imprecise: rows that cannot be proven fall back, still equal.
  const far = { ...x, data: x.data.map((v) => v + 1000) };
  await tf.setBackend('cpu');
  const bruteFar = knn(far, 10);
  await useBackend('wasm');
  const fastFar = knn(far, 10);
  assert.deepEqual(fastFar.indices, bruteFar.indices);
  assert.deepEqual(fastFar.distances, bruteFar.distances);
});

test('PCA equals the covariance eigendecomposition (variance ratios and projection, up to sign)', () => {
  const x = clusteredData(800, 24, 5, 11);
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += data[i * d + c] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++)
        cov[a * d + b] += ((data[i * d + a] - mean[a]) * (data[i * d + b] - mean[b])) / (n - 1);
  const { values, vectors } = symmetricEigen(cov, d);
  const total = values.reduce((s, v) => s + v, 0);
  const p = pca(x, { components: 2 });
  for (let c = 0; c < 2; c++) {
    assert.ok(Math.abs(p.explainedVarianceRatio[c] - values[c] / total) < 1e-5, `ratio ${c}`);
    let dot = 0;
    for (let i = 0; i < n; i++) {
      let ref = 0;
      for (let j = 0; j < d; j++) ref += (data[i * d + j] - mean[j]) * vectors[j * d + c];
      dot += ref * p.embedding[2 * i + c];
    }
    const sign = Math.sign(dot);
    for (let i = 0; i < n; i++) {
      let ref = 0;
      for (let j = 0; j < d; j++) ref += (data[i * d + j] - mean[j]) * vectors[j * d + c];
      assert.ok(Math.abs(sign * ref - p.embedding[2 * i + c]) < 1e-3 * (1 + Math.abs(ref)), `row ${i} component ${c}`);
    }
  }
});

test('t-SNE keeps neighbourhoods: trustworthiness (k = 5) close to 1 on clustered data', async () => {
  const x = clusteredData(400, 32, 8, 5);
  const y = await tsne(x, { iterations: 500 });
  const t = trustworthiness(x, { data: y, rows: x.rows, cols: 2 });
  assert.ok(t > 0.95, `trustworthiness ${t}`);
  // A random layout scores far lower: the check can fail.
  const random = Float32Array.from({ length: 800 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
  assert.ok(trustworthiness(x, { data: random, rows: x.rows, cols: 2 }) < 0.8);
});

test('UMAP on worker threads (umapMany, as %latent lays out its representations) equals one at a time', async () => {
  const { umap, umapMany } = require('../../dist/lib/viz/umap.js');
  const { seed } = require('../../dist/lib/random.js');
  const xs = [clusteredData(300, 24, 5, 1), clusteredData(250, 8, 5, 2), clusteredData(200, 12, 4, 3)];
  seed(3);
  const one = [];
  for (const x of xs) one.push(await umap(x, { epochs: 60 }));
  seed(3);
  const many = await umapMany(xs, { epochs: 60 });
  assert.equal(many.length, 3);
  for (let i = 0; i < xs.length; i++) assert.deepEqual(many[i], one[i]);
  assert.ok(trustworthiness(xs[0], { data: many[0], rows: 300, cols: 2 }) > 0.9);
});
