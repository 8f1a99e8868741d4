import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { withoutLeaks } from '../helpers/leaks.mjs';
const require = createRequire(import.meta.url);
const data = require('../../dist/lib/index.js').data;
const { seed } = require('../../dist/lib/random.js');
const aq = require('arquero');
const tf = require('@tensorflow/tfjs');

test('split: seeded, stratified, exact proportions, same seed same split', async () => {
  const iris = (await data.loadDataset('iris')).table;
  const a = data.split(iris, { fractions: { train: 0.6, validation: 0.2, test: 0.2 }, stratify: 'species', seed: 7 });
  const b = data.split(iris, { fractions: { train: 0.6, validation: 0.2, test: 0.2 }, stratify: 'species', seed: 7 });
  const c = data.split(iris, { fractions: { train: 0.6, validation: 0.2, test: 0.2 }, stratify: 'species', seed: 8 });
  assert.deepEqual([a.train.numRows(), a.validation.numRows(), a.test.numRows()], [90, 30, 30]);
  for (const part of ['train', 'validation', 'test']) {
    const counts = a[part]
      .groupby('species')
      .count()
      .objects()
      .map((r) => r.count);
    assert.deepEqual(counts, part === 'train' ? [30, 30, 30] : [10, 10, 10]);
    assert.deepEqual(a[part].objects(), b[part].objects());
  }
  assert.notDeepEqual(a.test.objects(), c.test.objects());
  // parts are disjoint and cover every row
  const key = (r) => Object.values(r).join('|');
  const all = [...a.train.objects(), ...a.validation.objects(), ...a.test.objects()].map(key).sort();
  assert.deepEqual(all, iris.objects().map(key).sort());
});

test('split follows %seed when no seed is given', async () => {
  const t = aq.table({ x: Array.from({ length: 100 }, (_, i) => i) });
  seed(42);
  const a = data.split(t).test.array('x');
  seed(42);
  const b = data.split(t).test.array('x');
  seed(43);
  const c = data.split(t).test.array('x');
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.length, 20);
});

test('split a Dataset keeps images aligned', async () => {
  const d = await data.loadDataset('digits', { limit: 200 });
  const parts = data.split(d, { stratify: 'label', seed: 1 });
  assert.deepEqual(parts.train.images.shape, [160, 8, 8, 1]);
  const first = parts.test.table.get('label', 0);
  // find the same image in the original by content and check its label
  const img = parts.test.images.data.subarray(0, 64);
  const at = [...Array(200).keys()].find((i) =>
    d.images.data.subarray(i * 64, i * 64 + 64).every((v, k) => v === img[k]),
  );
  assert.equal(d.table.get('label', at), first);
});

test('pipeline: impute, scale, encode; JSON round trip gives the same output and hash', () => {
  const train = aq.table({
    age: [20, null, 40, 60],
    income: [1, 2, 3, 4],
    city: ['oslo', 'rome', 'oslo', 'paris'],
    y: ['a', 'b', 'a', 'b'],
  });
  const p = data
    .pipeline([
      { type: 'impute', columns: ['age'], strategy: 'mean' },
      { type: 'standardize', columns: ['age'] },
      { type: 'minmax', columns: ['income'] },
      { type: 'onehot', column: 'city' },
      { type: 'label', column: 'y' },
    ])
    .fit(train);
  assert.ok(p.fitted);
  const out = p.apply(train);
  assert.deepEqual(out.columnNames(), ['age', 'income', 'y', 'city=oslo', 'city=paris', 'city=rome']);
  assert.deepEqual([...out.array('income')], [0, 1 / 3, 2 / 3, 1]);
  assert.equal(p.steps[0].fitted.values.age, 40);
  const age = [...out.array('age')];
  assert.equal(age[1], 0); // imputed with the mean, which standardizes to 0
  assert.ok(Math.abs(age[0] + age[3]) < 1e-12);
  assert.deepEqual([...out.array('city=rome')], [0, 1, 0, 0]);
  assert.deepEqual([...out.array('y')], [0, 1, 0, 1]);

  const json = JSON.stringify(p.toJSON());
  const q = data.Pipeline.fromJSON(json);
  assert.equal(q.hash(), p.hash());
  assert.match(p.hash(), /^[0-9a-f]{64}$/);
  const test2 = aq.table({ age: [null, 30], income: [5, 0], city: ['berlin', 'oslo'], y: ['b', 'a'] });
  assert.deepEqual(q.apply(test2).objects(), p.apply(test2).objects());
  assert.deepEqual([...q.apply(test2).array('income')], [4 / 3, -1 / 3]); // fitted on train, not refitted
  assert.deepEqual([...q.apply(test2).array('city=oslo')], [0, 1]); // unseen city -> all zeros
  assert.throws(
    () => q.apply(aq.table({ age: [1], income: [1], city: ['oslo'], y: ['c'] })),
    /"y" row 0 has "c", not one of the fitted classes a, b/,
  );
  assert.throws(
    () => data.pipeline([{ type: 'standardize', columns: ['agee'] }]).fit(train),
    /unknown column "agee".*did you mean "age"/,
  );
  assert.throws(() => data.pipeline([{ type: 'scale', columns: [] }]), /unknown step type "scale"/);
  assert.notEqual(
    data
      .pipeline([{ type: 'minmax', columns: ['income'] }])
      .fit(train)
      .hash(),
    p.hash(),
  );
});

test('pipeline: image normalisation and reshape on a Dataset', async () => {
  const d = await data.loadDataset('digits', { limit: 10 });
  const p = data.pipeline([{ type: 'images', scale: 'max', shape: [64, 1, 1] }]).fit(d);
  const out = p.apply(d);
  assert.deepEqual(out.images.shape, [10, 64, 1, 1]);
  assert.ok(out.images.data instanceof Float32Array);
  assert.equal(out.images.data[2], 5 / 16);
  const s = data
    .pipeline([{ type: 'images', scale: 'standardize' }])
    .fit(d)
    .apply(d).images.data;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  assert.ok(Math.abs(mean) < 1e-5);
});

test('batches: tf.data of fixed-size batches, seeded shuffle, no leaked tensors', async () => {
  const d = await data.loadDataset('fashion', { subset: true, limit: 50 });
  const firstLabels = [];
  await withoutLeaks(async () => {
    const ds = data.batches(d, { split: 'train', batchSize: 16, oneHot: true, shuffle: true, seed: 3 });
    const sizes = [];
    await ds.forEachAsync(({ xs, ys }) => {
      sizes.push(xs.shape[0]);
      assert.deepEqual(xs.shape.slice(1), [28, 28, 1]);
      assert.deepEqual(ys.shape.slice(1), [10]);
      if (!firstLabels.length) firstLabels.push(...tf.tidy(() => ys.argMax(1).arraySync()));
      tf.dispose([xs, ys]);
    });
    assert.deepEqual(sizes, [16, 16, 16, 2]);
  });
  const again = [];
  await data
    .batches(d, { split: 'train', batchSize: 16, oneHot: true, shuffle: true, seed: 3 })
    .take(1)
    .forEachAsync(({ xs, ys }) => {
      again.push(...tf.tidy(() => ys.argMax(1).arraySync()));
      tf.dispose([xs, ys]);
    });
  assert.deepEqual(again, firstLabels);
});
