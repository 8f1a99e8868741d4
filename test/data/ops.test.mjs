import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const data = require('../../dist/lib/index.js').data;
const { toMimeBundle } = require('../../dist/lib/index.js');
const { vegaLiteBundle } = require('../../dist/lib/display/vegalite.js');
const aq = require('arquero');

test('groupby matches arquero (mean/sum/min/max/count, nulls skipped, dense and hashed keys)', () => {
  const n = 5000;
  const key = Float64Array.from({ length: n }, (_, i) => (i * 7) % 13);
  const x = Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : Math.sin(i)));
  for (const k of [key, Array.from(key, (v) => `k${v}`)]) {
    const t = aq.table({ k, x });
    const ours = data.groupby(t, 'k', { x: 'mean' }).orderby('k').objects();
    const theirs = t
      .groupby('k')
      .rollup({ x: aq.op.mean('x') })
      .orderby('k')
      .objects();
    assert.equal(ours.length, 13);
    ours.forEach((r, i) => {
      assert.equal(r.k, theirs[i].k);
      assert.ok(Math.abs(r.x - theirs[i].x) < 1e-12);
    });
  }
  const t = aq.table({ k: ['a', 'b', 'a', 'b', 'a'], v: [1, 2, 3, null, 5] });
  assert.deepEqual(data.groupby(t, 'k', { v: 'sum' }).objects(), [
    { k: 'a', v: 9 },
    { k: 'b', v: 2 },
  ]);
  assert.deepEqual(data.groupby(t, 'k', { v: 'max' }).objects(), [
    { k: 'a', v: 5 },
    { k: 'b', v: 2 },
  ]);
  assert.deepEqual([...data.groupby(t, 'k', { v: 'count' }).array('v_count')], [3, 1]);
  assert.throws(() => data.groupby(t, 'kk', ['v']), /unknown column "kk".*did you mean "k"/);
});

test('join: inner and left, duplicates, name clashes, same rows as arquero', () => {
  const left = aq.table({ id: Float64Array.from([1, 2, 3, 4]), v: ['a', 'b', 'c', 'd'] });
  const right = aq.table({
    id: Float64Array.from([2, 4, 4, 9]),
    v: ['x', 'y', 'z', 'w'],
    w: Float64Array.from([20, 40, 41, 90]),
  });
  const inner = data.join(left, right, 'id');
  assert.deepEqual(inner.objects(), [
    { id: 2, v: 'b', v_right: 'x', w: 20 },
    { id: 4, v: 'd', v_right: 'y', w: 40 },
    { id: 4, v: 'd', v_right: 'z', w: 41 },
  ]);
  const l = data.join(left, right, 'id', { how: 'left' });
  assert.equal(l.numRows(), 5);
  assert.deepEqual(l.objects()[0], { id: 1, v: 'a', v_right: null, w: null });
  const s = data.join(aq.table({ k: ['p', 'q'], a: [1, 2] }), aq.table({ k: ['q', 'r'], b: [3, 4] }), 'k');
  assert.deepEqual(s.objects(), [{ k: 'q', a: 2, b: 3 }]);
  const big = aq.table({
    id: Float64Array.from({ length: 1000 }, (_, i) => i % 50),
    x: Float64Array.from({ length: 1000 }, (_, i) => i),
  });
  const small = aq.table({
    id: Float64Array.from({ length: 40 }, (_, i) => i),
    y: Float64Array.from({ length: 40 }, (_, i) => -i),
  });
  const ours = data.join(big, small, 'id').orderby('x').objects();
  const theirs = big.join(small, 'id').orderby('x').objects();
  assert.deepEqual(ours, theirs);
});

test('describe: stats per column match hand-computed values, HTML and chart', async () => {
  const t = aq.table({ x: [1, 2, 3, 4, null], s: ['a', 'b', 'a', null, 'a'] });
  const p = data.describe(t);
  const [x, s] = p.columns;
  assert.equal(x.kind, 'numeric');
  assert.deepEqual([x.count, x.missing, x.distinct, x.min, x.max, x.mean], [4, 1, 4, 1, 4, 2.5]);
  assert.ok(Math.abs(x.std - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(x.quartiles, [1.75, 2.5, 3.25]);
  assert.deepEqual(
    x.histogram.counts.reduce((a, b) => a + b, 0),
    4,
  );
  assert.deepEqual([s.kind, s.count, s.missing, s.distinct], ['categorical', 4, 1, 2]);
  assert.deepEqual(s.top[0], { value: 'a', count: 3 });
  const b = await toMimeBundle(p);
  assert.doesNotMatch(b['text/html'], /<svg/, 'no inline SVG: nbconvert strips it');
  assert.equal(
    (
      b['text/html'].match(
        /<img src="data:image\/png;base64,[^"]+" width="100" height="24" alt="(histogram|top values)"/g,
      ) ?? []
    ).length,
    2,
  );
  assert.match(b['text/html'], /1 \(20\.0%\)/);
  const spec = p.chart();
  assert.equal(spec.concat.length, 2);
  const chart = await vegaLiteBundle(spec);
  assert.ok(Buffer.from(chart['image/png'], 'base64').subarray(1, 4).toString() === 'PNG');
  assert.ok(chart['application/vnd.vegalite.v5+json']);
});

test('describe: 100k rows × 10 columns profile and chart (speed is measured in bench/data, not here)', async () => {
  const n = 100_000;
  const cols = {};
  for (let c = 0; c < 8; c++) cols[`x${c}`] = Float64Array.from({ length: n }, (_, i) => Math.sin(i * (c + 1)));
  cols.cat = Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]);
  cols.id = Int32Array.from({ length: n }, (_, i) => i);
  const t = aq.table(cols);
  const p = data.describe(t);
  const chart = await vegaLiteBundle(p.chart());
  assert.equal(p.columns[9].distinct, n);
  assert.equal(p.columns[8].distinct, 3);
  assert.ok(chart['image/png'], 'the chart renders');
});

test('danfo DataFrame and Series render as HTML tables with shape and dtypes', async () => {
  const df = data.toDanfo(
    aq.table({ a: Array.from({ length: 30 }, (_, i) => i), b: Array.from({ length: 30 }, (_, i) => `r${i}`) }),
  );
  const b = await toMimeBundle(df);
  assert.match(b['text/html'], /danfo DataFrame: 30 rows × 2 columns/);
  assert.match(b['text/html'], /<th>29<\/th><td style="text-align:right">29<\/td><td>r29<\/td>/);
  assert.match(b['text/html'], /int32|float32/);
  const s = await toMimeBundle(df.column('b'));
  assert.match(s['text/plain'], /danfo Series: 30 rows × 1 column/);
});

/** pandas' percentile: linear interpolation between the order statistics of the sorted values. */
function refPercentile(sorted, f) {
  const at = (sorted.length - 1) * f;
  const lo = Math.floor(at);
  return at === lo ? sorted[lo] : sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (at - lo);
}

test('describe: quartiles, mean, std and distinct equal a sort-based computation on awkward columns', () => {
  let s = 12345;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const n = 20_003; // (n - 1) / 4 not whole: interpolated quartiles
  const cols = {
    uniform: Float64Array.from({ length: n }, () => r() * 100 - 50),
    heavyTail: Float64Array.from({ length: n }, () => 1 / (r() + 1e-9)), // most values in one bucket: quickselect path
    ties: Float64Array.from({ length: n }, () => Math.floor(r() * 5) / 2),
    withNaN: Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? NaN : Math.sin(i) * 1e6)),
    ints: Int32Array.from({ length: n }, () => Math.floor(r() * 3000) - 1500),
    sparseInts: Int32Array.from({ length: n }, () => Math.floor(r() * 2e9) - 1e9),
    nullable: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i * 0.5)),
    tiny: Float64Array.from({ length: n }, (_, i) => (i === 7 ? 1 : 0)),
  };
  const t = aq.table(cols);
  const p = data.describe(t);
  for (const [name, values] of Object.entries(cols)) {
    const xs = Array.from(values).filter((v) => v !== null && !Number.isNaN(v));
    const sorted = Float64Array.from(xs).sort();
    const c = p.columns.find((col) => col.name === name);
    assert.deepEqual(
      c.quartiles,
      [0.25, 0.5, 0.75].map((f) => refPercentile(sorted, f)),
      name,
    );
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(c.mean - mean) <= 1e-9 * Math.max(1, Math.abs(mean)), name);
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    assert.ok(Math.abs(c.std - std) <= 1e-9 * Math.max(1, std), name);
    assert.equal(c.distinct, new Set(xs.map((x) => x + 0)).size, name);
    assert.equal(c.min, sorted[0], name);
    assert.equal(c.max, sorted[sorted.length - 1], name);
    assert.equal(c.count, xs.length, name);
  }
});
