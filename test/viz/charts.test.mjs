import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { assertValidSpec, countMarks } from './helpers.mjs';
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

test('scatter from arquero: valid spec, one SVG symbol per point', async () => {
  const spec = viz.scatter(aq.from(points(300)), 'x', 'y', { color: 'g' });
  assertValidSpec(spec);
  const b = await viz.budgetedBundle(spec);
  assert.equal(countMarks(b['image/svg+xml'], 'symbol'), 300);
});

test('scatter of 10,000 rows: sampled with a visible note, payload < 1 MB, repeatable with a seed', async () => {
  seed(7);
  const a = viz.scatter(points(10_000), 'x', 'y', { color: 'g' });
  seed(7);
  const b = viz.scatter(points(10_000), 'x', 'y', { color: 'g' });
  assert.deepEqual(a.data.values, b.data.values);
  assert.match(JSON.stringify(a.title), /sample of 5,000 of 10,000 rows/);
  const bundle = await viz.budgetedBundle(a);
  const bytes = Object.values(bundle).reduce(
    (s, v) => s + Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)),
    0,
  );
  assert.ok(bytes < 1_000_000, `payload ${bytes} bytes`);
  assert.ok(bundle['image/svg+xml'], 'static SVG kept');
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
    const b = await viz.budgetedBundle(s);
    assert.match(b['image/svg+xml'], /<svg/);
  }
  const hist = viz.histogram(rows, 'y');
  assert.equal(
    hist.data.values.reduce((s, v) => s + v.count, 0),
    2000,
  );
  assert.equal(countMarks((await viz.budgetedBundle(viz.bar(rows, 'g')))['image/svg+xml'], 'rect'), 4);
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
