import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { assertChartBundle, assertValidSpec, countMarks, svgOf } from './helpers.mjs';
import * as viz from '../../dist/lib/viz/index.js';
import { seed } from '../../dist/lib/random.js';

const require = createRequire(import.meta.url);
const aq = require('arquero');

function points(n) {
  const rows = [];
  for (let i = 0; i < n; i++)
    rows.push({ x: (Math.sin(i) * i) / n, y: Math.cos(i * 1.3) + i / n, g: `c${i % 4}`, t: i });
  return rows;
}

test('scatter from arquero: valid spec, one symbol per point, a drawn PNG in the bundle', async () => {
  const spec = viz.scatter(aq.from(points(300)), 'x', 'y', { color: 'g' });
  assertValidSpec(spec);
  assert.equal(countMarks(await svgOf(spec), 'symbol'), 300);
  const png = assertChartBundle(await viz.vegaLiteBundle(spec));
  assert.ok(png.width >= 800, `drawn at 2× (${png.width} px wide)`);
});

test('scatter of 10,000 rows: sampled with a visible note, payload < 1 MB, repeatable with a seed', async () => {
  seed(7);
  const a = viz.scatter(points(10_000), 'x', 'y', { color: 'g' });
  seed(7);
  const b = viz.scatter(points(10_000), 'x', 'y', { color: 'g' });
  assert.deepEqual(a.data.values, b.data.values);
  assert.match(JSON.stringify(a.title), /sample of 5,000 of 10,000 rows/);
  const bundle = await viz.vegaLiteBundle(a);
  const bytes = Object.values(bundle).reduce(
    (s, v) => s + Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)),
    0,
  );
  assert.ok(bytes < 1_000_000, `payload ${bytes} bytes`);
  assertChartBundle(bundle);
});

test('danfo DataFrame, line, bar, histogram, heatmap: all valid and render', async () => {
  const dfd = require('danfojs-node');
  const rows = points(2000);
  const df = new dfd.DataFrame(rows);
  const specs = [
    viz.scatter(df, 'x', 'y'),
    viz.line(rows, 't', 'y', { color: 'g' }),
    viz.bar(rows, 'g'),
    viz.bar(rows, 'g', 'x', { aggregate: 'mean' }),
    viz.histogram(rows, 'y', { bins: 20 }),
    viz.heatmap(rows, 'x', 'y'),
    viz.heatmap(rows, 'g', 't', { value: 'y' }),
    viz.plot(rows, 'x', undefined),
    viz.plot(rows, 'x', 'y', { kind: 'line' }),
  ];
  for (const s of specs) {
    assertValidSpec(s);
    assertChartBundle(await viz.vegaLiteBundle(s));
  }
  const hist = viz.histogram(rows, 'y');
  assert.equal(
    hist.data.values.reduce((s, v) => s + v.count, 0),
    2000,
  );
  assert.equal(countMarks(await svgOf(viz.bar(rows, 'g')), 'rect'), 4);
  assert.throws(() => viz.scatter(rows, 'x', 'nope'), /no column "nope"/);
});

test('histogram of a million values is binned, never refused', () => {
  const big = Array.from({ length: 1_000_000 }, (_, i) => ({ v: (i * 7919) % 1000 }));
  const spec = viz.histogram(big, 'v');
  assert.ok(JSON.stringify(spec).length < 10_000);
  assert.equal(
    spec.data.values.reduce((s, v) => s + v.count, 0),
    1_000_000,
  );
});
