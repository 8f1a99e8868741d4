import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { withoutLeaks } from '../helpers/leaks.mjs';
const require = createRequire(import.meta.url);
const data = require('../../dist/lib/index.js').data;
const { toMimeBundle } = require('../../dist/lib/index.js');
const tf = require('@tensorflow/tfjs');

test('listDatasets names the shipped datasets with row counts', () => {
  const list = data.listDatasets();
  assert.deepEqual(
    list.map((d) => d.name),
    ['iris', 'digits', 'fashion-mnist'],
  );
  assert.deepEqual(
    list.map((d) => d.rows),
    [150, 1797, 12000],
  );
});

test('iris: 150 rows, 50 per species, numeric features', async () => {
  const iris = await data.loadDataset('iris');
  assert.equal(iris.table.numRows(), 150);
  assert.deepEqual(iris.table.columnNames(), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
  const counts = Object.fromEntries(
    iris.table
      .groupby('species')
      .count()
      .objects()
      .map((r) => [r.species, r.count]),
  );
  assert.deepEqual(counts, { setosa: 50, versicolor: 50, virginica: 50 });
  assert.equal(iris.table.get('sepal_length', 0), 5.1);
});

test('digits: 1,797 8×8 images with labels 0-9', async () => {
  const d = await data.loadDataset('digits');
  assert.deepEqual(d.images.shape, [1797, 8, 8, 1]);
  assert.equal(d.table.numRows(), 1797);
  assert.deepEqual([...new Set(d.table.array('label'))].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // first sklearn digit is a 0: its top row is 0,0,5,13,9,1,0,0
  assert.deepEqual([...d.images.data.subarray(0, 8)], [0, 0, 5, 13, 9, 1, 0, 0]);
  assert.equal(d.table.get('label', 0), 0);
});

test('fashion-mnist subset: stratified 10,000 / 2,000 with coarse classes', async () => {
  const f = await data.loadDataset('fashion', { subset: true });
  assert.equal(f.name, 'fashion-mnist');
  assert.equal(f.source, 'shipped');
  assert.deepEqual(f.images.shape, [12000, 28, 28, 1]);
  const per = f.table.groupby('split', 'label').count().objects();
  assert.equal(per.length, 20);
  for (const r of per) assert.equal(r.count, r.split === 'train' ? 1000 : 200);
  // coarse follows the label: Trouser (1) -> bottoms (1), Bag (8) -> bags (3), Sneaker (7) -> footwear (2)
  const pairs = new Set(f.table.objects().map((r) => `${r.label}:${r.coarse}`));
  assert.deepEqual([...pairs].sort(), ['0:0', '1:1', '2:0', '3:0', '4:0', '5:2', '6:0', '7:2', '8:3', '9:2']);
  assert.deepEqual(f.categories.coarse, ['tops', 'bottoms', 'footwear', 'bags']);
});

test('fashion-mnist uses the full Debian set when installed', async (t) => {
  const { existsSync } = await import('node:fs');
  if (!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'))
    return t.skip('dataset-fashion-mnist not installed');
  const f = await data.loadDataset('fashion-mnist', { limit: 500 });
  assert.equal(f.source, 'system');
  assert.match(f.files[0], /^\/usr\/share\/datasets\/fashion-mnist\//);
  assert.equal(f.table.numRows(), 1000); // limit applies per split
});

test('unknown dataset lists the known names', async () => {
  await assert.rejects(
    data.loadDataset('fashon'),
    /unknown dataset "fashon" \(did you mean "fashion"\?\); known datasets: iris, digits, fashion-mnist/,
  );
});

test('a tampered file is refused with an error naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-ds-'));
  try {
    cpSync(new URL('../../datasets', import.meta.url).pathname, dir, { recursive: true });
    const csv = readFileSync(join(dir, 'iris.csv'), 'utf8');
    writeFileSync(join(dir, 'iris.csv'), csv.replace('5.1,3.5', '9.1,3.5'));
    process.env.AMALGAM_DATASETS = dir;
    await assert.rejects(
      data.loadDataset('iris'),
      (e) => e.message.includes(join(dir, 'iris.csv')) && /sha256/.test(e.message),
    );
    assert.equal((await data.loadDataset('digits', { limit: 3 })).table.numRows(), 3); // untouched files still load
  } finally {
    delete process.env.AMALGAM_DATASETS;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('toTensors: images scaled to [0,1], one-hot labels, split selection, no leaks', async () => {
  const f = await data.loadDataset('fashion', { subset: true, limit: 100 });
  await withoutLeaks(() => {
    const t = data.toTensors(f, { split: 'test', oneHot: true, targets: ['coarse'] });
    assert.deepEqual(t.x.shape, [100, 28, 28, 1]);
    assert.deepEqual(t.y.shape, [100, 10]);
    assert.deepEqual(t.ys.coarse.shape, [100, 4]);
    const max = tf.tidy(() => t.x.max().dataSync()[0]);
    assert.ok(max <= 1 && max > 0.9);
    const labels = f.table.filter((r) => r.split === 'test').array('label');
    assert.deepEqual(
      tf.tidy(() => [...t.y.argMax(1).dataSync()]),
      [...labels],
    );
    t.dispose();
  });
});

test('toTensors: tabular features and string labels', async () => {
  const iris = await data.loadDataset('iris');
  await withoutLeaks(() => {
    const t = data.toTensors(iris, { shape: [-1, 2, 2] });
    assert.deepEqual(t.x.shape, [150, 2, 2]);
    assert.equal(t.y.dtype, 'int32');
    assert.deepEqual([...t.y.dataSync()].slice(48, 52), [0, 0, 1, 1]);
    assert.deepEqual(
      [...t.x.dataSync()].slice(0, 4).map((v) => +v.toFixed(4)),
      [5.1, 3.5, 1.4, 0.2],
    );
    t.dispose();
  });
  assert.throws(() => data.toTensors(iris, { features: ['sepal_lenght'] }), /did you mean "sepal_length"/);
});

test('arquero tables render as HTML with head, ellipsis, tail, shape and types', async () => {
  const iris = await data.loadDataset('iris');
  const plain = data.aq.table(Object.fromEntries(iris.columnNames().map((c) => [c, iris.array(c)])));
  const b = await toMimeBundle(plain);
  assert.match(b['text/html'], /150 rows × 5 columns/);
  assert.match(b['text/html'], /<th>…<\/th>/);
  assert.match(b['text/html'], /<th>149<\/th>/);
  assert.equal((b['text/html'].match(/<tr>/g) ?? []).length, 1 + 5 + 1 + 5);
  assert.match(b['text/plain'], /arquero table: 150 rows × 5 columns/);
  assert.match(b['text/html'], /species<br><small[^>]*>string/);
});

test('a dataset is a typed arquero table with its info: verbs keep it a dataset, images follow their rows', async () => {
  const fm = await data.loadDataset('fashion-mnist', { subset: true, limit: 100 });
  assert.ok(fm instanceof data.Dataset);
  assert.deepEqual(fm.columnNames(), ['label', 'coarse', 'split', 'image']);
  assert.equal(fm.numRows(), 200);
  const threes = fm.filter((d) => d.label === 3);
  assert.ok(threes instanceof data.Dataset, 'filter gives a dataset');
  assert.equal(threes.name, 'fashion-mnist');
  assert.deepEqual(threes.classes, fm.classes);
  const rows = threes.indices();
  assert.equal(threes.images.shape[0], threes.numRows());
  // the images of the filtered rows are those rows' images
  const size = 28 * 28;
  rows.forEach((r, i) =>
    assert.deepEqual(
      threes.images.data.subarray(i * size, (i + 1) * size),
      fm.images.data.subarray(r * size, (r + 1) * size),
    ),
  );
  const test = fm.filter((d) => d.split === 'test').reify();
  assert.equal(test.images.shape[0], 100);
  const t = data.toTensors(threes, { label: 'label' });
  assert.deepEqual(t.x.shape, [threes.numRows(), 28, 28, 1]);
  assert.ok(t.y.dataSync().every((v) => v === 3));
  t.dispose();
});

test('a dataset displays as a titled table with its label, classes, split and image thumbnails, never arrays', async () => {
  const fm = await data.loadDataset('fashion-mnist', { subset: true, limit: 50 });
  const b = await toMimeBundle(fm);
  const html = b['text/html'];
  assert.match(html, /<b>Dataset fashion-mnist: 100 rows × 4 columns · label label \(10 classes: T-shirt\/top/);
  assert.match(html, /split train 50 \/ test 50/);
  assert.match(html, /images 28×28×1/);
  assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 10, 'a thumbnail per shown row');
  assert.match(b['text/plain'], /28×28 image/);
  assert.doesNotMatch(b['text/plain'], /Uint8Array|_data|_mask/);
  const { inspect } = require('node:util');
  assert.doesNotMatch(inspect(fm), /Uint8Array|_data|_mask/, 'console.log(ds) prints the table, not its arrays');
  assert.ok(b['text/plain'].length < 3000);
});
