// Placing new rows in a layout fitted on others: PCA's transform is exact, nearest-neighbour
// placement (UMAP, t-SNE) lands among the nearest fitted rows, and "outlying" tells far rows apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seed } from '../../dist/lib/random.js';
import { pca } from '../../dist/lib/viz/pca.js';
import { neighbourPlacement, outlying, pcaTransform, place } from '../../dist/lib/viz/place.js';

function rows(n, d, shift = 0, s = 1) {
  let state = s;
  const u = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) data[i * d + c] = (c + 1) * (u() - 0.5) + shift;
  return { data, rows: n, cols: d };
}

test("PCA's transform puts fitted rows on their own points and is linear", () => {
  seed(1);
  const x = rows(300, 6);
  for (let i = 0; i < 300; i++) x.data[i * 6 + 5] = 0; // a dead unit
  const p = pca(x);
  const again = pcaTransform(x, p.embedding, x);
  for (let i = 0; i < again.length; i++) assert.ok(Math.abs(again[i] - p.embedding[i]) < 1e-3, `${i}`);
  const shifted = rows(10, 6, 3, 7);
  const placed = place('pca', x, p.embedding, shifted);
  assert.equal(placed.placement, 'pca-transform');
  assert.ok(Math.min(...placed.outlying) > 1, 'rows 3 units off are far from every fitted row');
});

test('nearest-neighbour placement lands among the nearest fitted rows; outlying is about 1 inside', () => {
  const x = rows(200, 4, 0, 3);
  const layout = new Float32Array(400).map((_, i) => (i % 2 ? -1 : 1) * Math.floor(i / 2));
  const probe = { data: x.data.slice(4 * 17, 4 * 18), rows: 1, cols: 4 };
  const [px, py] = neighbourPlacement(x, layout, probe, 1);
  assert.deepEqual([px, py], [17, -17], 'k = 1: exactly the nearest row');
  const inside = outlying(x, rows(50, 4, 0, 11));
  const far = outlying(x, rows(50, 4, 5, 11));
  const med = (a) => Float64Array.from(a).sort()[a.length >> 1];
  assert.ok(med(inside) < 2, String(med(inside)));
  assert.ok(med(far) > 5 * med(inside), `${med(far)} vs ${med(inside)}`);
  assert.equal(place('tsne', x, layout, probe).placement, 'nearest-neighbours');
  assert.equal(
    place('umap', { data: x.data.slice(0, 400), rows: 200, cols: 2 }, layout, {
      data: new Float32Array([1, 2]),
      rows: 1,
      cols: 2,
    }).placement,
    'identity',
  );
});
