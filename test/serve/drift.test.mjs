// Served traffic in the model's latent spaces: the reservoir sample a server keeps per version
// (bounded over many requests, intact after kill -9), drift per representation in /metrics and
// serve.drift (quiet for in-distribution traffic, firing for inverted images, whose served points
// sit apart from the training cloud in viz.latent), and `amalgam retrain --if-drift`, which leaves
// a model alone without drift and retrains and promotes it with drift.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { openRegistry } from '../../dist/lib/registry/versioning.js';
import { drift, readReservoir, served, servedFile, start } from '../../dist/lib/serve/index.js';
import { latent } from '../../dist/lib/viz/latent.js';
import { cli, digitsData, metric, post, request, serveChild, tempRegistry, trainDigits } from './fixtures.mjs';

/** Scaled digit images at rows `idx` (flat 64 values each), optionally transformed per pixel. */
async function images(idx, f = (v) => v) {
  const ds = await digitsData();
  return idx.map((i) => Array.from(ds.images.data.subarray(i * 64, (i + 1) * 64), (v) => f(v / 16)));
}
const spread = (n, from = 3, step = 6) => Array.from({ length: n }, (_, i) => from + i * step); // rows across the file
const invert = (v) => 1 - v;

async function predictAll(url, rows, size = 20) {
  for (let i = 0; i < rows.length; i += size) {
    const r = await post(`${url}/v1/models/digits:predict`, { instances: rows.slice(i, i + size) });
    assert.equal(r.status, 200, r.text);
  }
}

const median = (a) => Float64Array.from(a).sort()[a.length >> 1];

test('in-distribution traffic: no drift; inverted images: drift on every representation, apart in the latent view', {
  timeout: 240_000,
}, async () => {
  const registry = tempRegistry('drift');
  const { model, version } = await trainDigits(registry, { epochs: 3 });
  const server = await start({ model: 'digits@production', registry, port: 0, sample: { size: 1000, flushMs: 50 } });
  try {
    await predictAll(server.url, await images(spread(290)));
    let text = (await request(`${server.url}/metrics`)).text;
    const labels = { model: 'digits', version: version.slice(0, 12), representation: 'latent_low' };
    assert.equal(metric(text, 'amalgam_served_rows_seen', { model: 'digits', version: version.slice(0, 12) }), 290);
    assert.equal(metric(text, 'amalgam_drift', labels), 0, text);
    assert.ok(metric(text, 'amalgam_drift_p_value', labels) >= 0.05);
    const quiet = await drift(model, { registry });
    assert.deepEqual(
      quiet.reps.map((r) => [r.rep, r.drift]),
      ['latent_high', 'latent_low', 'logits', 'probs'].map((r) => [r, false]),
      JSON.stringify(quiet.reps),
    );
    const before = await latent(model, await digitsData(), { served: await served({ registry, model }), n: 400 });

    await predictAll(server.url, await images(spread(290, 4), invert));
    text = (await request(`${server.url}/metrics`)).text;
    assert.equal(metric(text, 'amalgam_drift', labels), 1, text);
    assert.ok(metric(text, 'amalgam_drift_p_value', labels) < 0.05);
    assert.ok(metric(text, 'amalgam_drift_ks_p_value', labels) < 1e-6);
    const fired = await drift(model, { registry });
    for (const r of fired.reps) assert.ok(r.drift && r.pValue < 0.05 && r.ksPValue < 1e-6, JSON.stringify(r));
    assert.ok(fired.timeline.length >= 2, 'windows over arrival time');
    assert.ok(fired.timeline.at(-1).mmd2 > fired.timeline[0].mmd2, 'the later (inverted) window drifts more');
    const bundle = await fired[Symbol.for('Jupyter.display')]();
    assert.match(bundle['text/plain'], /4 of 4 representations drifted/);
    assert.match(bundle['text/html'], /<img alt="drift over time" src="data:image\/png;base64,/);

    // The served points in the training PCA: the inverted ones far from the cloud, the others in it.
    const sample = await served({ registry, model });
    assert.equal(sample.n, 580);
    const after = await latent(model, await digitsData(), { served: sample, rep: 'all', n: 400 });
    assert.equal(after.latent.served, 580);
    const inverted = [];
    for (let k = 0; k < sample.n; k++) {
      let mean = 0;
      for (let j = 0; j < 64; j++) mean += sample.x[k * 64 + j] / 64;
      if (mean > 0.5) inverted.push(k);
    }
    assert.equal(inverted.length, 290);
    for (const view of after.latent.views) {
      assert.equal(view.served.placement, 'pca-transform');
      const out = Array.from(view.served.outlying);
      const inv = inverted.map((k) => out[k]);
      const ind = out.filter((_, k) => !inverted.includes(k));
      assert.ok(median(inv) > 1.5 * median(ind), `${view.rep}: ${median(inv)} vs ${median(ind)}`);
      // In 2-D: where each group's centroid sits, in RMS radii of the training cloud around its own centroid.
      const c = view.coords;
      const n = c.length / 2;
      let mx = 0;
      let my = 0;
      for (let i = 0; i < n; i++) {
        mx += c[2 * i] / n;
        my += c[2 * i + 1] / n;
      }
      let rms = 0;
      for (let i = 0; i < n; i++) rms += ((c[2 * i] - mx) ** 2 + (c[2 * i + 1] - my) ** 2) / n;
      rms = Math.sqrt(rms);
      const offset = (rows) => {
        const s = view.served.coords;
        const x = rows.reduce((a, k) => a + s[2 * k], 0) / rows.length;
        const y = rows.reduce((a, k) => a + s[2 * k + 1], 0) / rows.length;
        return Math.hypot(x - mx, y - my) / rms;
      };
      const others = Array.from({ length: sample.n }, (_, k) => k).filter((k) => !inverted.includes(k));
      assert.ok(offset(inverted) > 0.3, `${view.rep}: the inverted rows sit ${offset(inverted)} radii off`);
      assert.ok(offset(others) < 0.15, `${view.rep}: the in-distribution rows sit ${offset(others)} radii off`);
    }
    // The chart: crosses for served rows, coloured by source, with the distance in the tooltip.
    const spec = JSON.parse(JSON.stringify(after));
    const views = spec.concat;
    assert.equal(views.length, 4);
    assert.deepEqual(views[0].encoding.shape.scale.range, ['circle', 'cross']);
    assert.equal(views[0].encoding.color.condition.field, 'source');
    assert.ok(views[1].encoding.tooltip.some((t) => t.field === 'latent_low_out'));
    assert.equal(spec.data.values.filter((v) => v.source === 'served').length, 580);
    assert.ok(
      spec.data.values.filter((v) => v.source === 'served' && v.image?.startsWith('data:image/png')).length >= 100,
      'served images in the tooltips',
    );
    assert.ok(before.latent.views[0].served.outlying.length === 290);
    // Served rows placed exactly as PCA would: a training row put through the transform lands on itself.
    const self = await latent(model, await digitsData(), {
      served: { x: (await images([0, 1, 2])).flat(), n: 3, shape: [8, 8, 1] },
      n: 1797,
      split: undefined,
    });
    const v0 = self.latent.views[0];
    for (let k = 0; k < 3; k++) {
      const row = self.latent.indices.indexOf(k);
      assert.ok(Math.abs(v0.served.coords[2 * k] - v0.coords[2 * row]) < 1e-3, 'x');
      assert.ok(Math.abs(v0.served.coords[2 * k + 1] - v0.coords[2 * row + 1]) < 1e-3, 'y');
    }
  } finally {
    await server.close();
    model.dispose();
  }
});

test('the reservoir stays within its size over many requests, survives kill -9, and carries on after a restart', {
  timeout: 240_000,
}, async () => {
  const registry = tempRegistry('reservoir');
  const { model, version } = await trainDigits(registry, { epochs: 1, limit: 100 });
  model.dispose();
  const file = servedFile(registry, 'digits', version);
  const rows = await images(spread(100, 0, 17));
  let server = await serveChild(['digits@production', '--registry', registry, '--port', '0', '--sample', '40']);
  for (let round = 0; round < 12; round++) await predictAll(server.url, rows, 10); // 1,200 rows, 120 requests
  const waitFor = async (f) => {
    for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 50));
  };
  await waitFor(() => readReservoir(file)?.seen === 1200);
  server.child.kill('SIGKILL');
  await new Promise((r) => server.child.once('exit', r));
  // A write cut short by the kill: a torn last line is skipped.
  fs.appendFileSync(file, '{"slot": 3, "seen": 99999, "x": "AAAA');
  let state = readReservoir(file);
  assert.equal(state.seen, 1200);
  assert.equal(state.capacity, 40);
  assert.equal(state.rows.filter(Boolean).length, 40);
  assert.ok(state.lines <= 2 * 40 + 3, `${state.lines} lines: the log is compacted`);
  assert.ok(state.rows.every((r) => r.x.length === 64 && r.reps.latent_low?.length === 6 && 'digit' in r.pred));
  // Uniform over time: the sample holds rows from the whole stream, not only the first 40.
  assert.ok(Math.max(...state.rows.map((r) => r.seen)) > 600, 'late rows replace early ones');
  assert.ok(fs.statSync(file).size < 40 * 2 * 700, `${fs.statSync(file).size} bytes`);

  server = await serveChild(['digits@production', '--registry', registry, '--port', '0', '--sample', '40']);
  try {
    await predictAll(server.url, rows, 10);
    await waitFor(() => readReservoir(file)?.seen === 1300);
    state = readReservoir(file);
    assert.equal(state.seen, 1300, 'the restarted server counts on from the sample it had');
    assert.equal(state.rows.filter(Boolean).length, 40);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
  // With predict in a worker thread, the worker computes the kept representations too.
  const worker = await serveChild([
    'digits@production',
    '--registry',
    registry,
    '--port',
    '0',
    '--worker',
    '--sample-reps',
    'latent_low,logits',
  ]);
  try {
    await predictAll(worker.url, rows.slice(0, 30), 10);
    await waitFor(() => readReservoir(file)?.seen === 1330);
    const w = readReservoir(file);
    const recent = w.rows.filter((r) => r.seen > 1300);
    assert.ok(recent.length > 0, 'some of the new rows were kept');
    for (const r of recent) assert.deepEqual([r.reps.latent_low?.length, r.reps.logits?.length], [6, 10]);
  } finally {
    worker.child.kill('SIGTERM');
    await new Promise((r) => worker.child.once('exit', r));
  }
  assert.match(
    (await cli(['serve', 'digits', '--registry', registry, '--sample-reps', 'sideways'])).stderr,
    /--sample-reps: no representation "sideways"/,
  );
  // --sample 0 keeps none.
  const none = await serveChild(['digits@production', '--registry', registry, '--port', '0', '--sample', '0']);
  try {
    const text = (await request(`${none.url}/metrics`)).text;
    assert.equal(metric(text, 'amalgam_served_rows_seen', { model: 'digits' }), undefined);
  } finally {
    none.child.kill('SIGTERM');
  }
  assert.match(
    (await cli(['serve', 'digits', '--registry', registry, '--sample', '-1'])).stderr,
    /--sample expects a whole number/,
  );
});

test('amalgam retrain --if-drift: not retrained without drift; with drift, retrained and promoted', {
  timeout: 300_000,
}, async () => {
  const registry = tempRegistry('ifdrift');
  const store = openRegistry(registry);
  const { model, version: champion } = await trainDigits(registry, { epochs: 1, limit: 150 });
  model.dispose();
  const server = await start({ model: 'digits@production', registry, port: 0, sample: { size: 600, flushMs: 50 } });
  try {
    await predictAll(server.url, await images(spread(290)));
    await server.sampler.drain();
    const quiet = await cli(['retrain', 'digits', '--from', 'production', '--if-drift', '--registry', registry]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /no drift on latent_low .*: not retrained/);
    assert.equal(store.versions('digits').length, 1, 'no challenger registered');

    // Inverted digits arrive, and clients label some of them.
    const ds = await digitsData();
    const idx = spread(290, 4);
    const inv = await images(idx, invert);
    await predictAll(server.url, inv);
    const label = ds.table.array('label');
    const fb = await post(`${server.url}/v1/models/digits/feedback`, {
      instances: inv,
      labels: { digit: idx.map((i) => label[i]) },
    });
    assert.equal(fb.status, 200, fb.text);
    await server.sampler.drain();
    const sample = await served({ registry, served: 'digits@production' });
    assert.ok(sample.label.filter((l) => l !== undefined).length >= 200, 'served rows show their feedback labels');

    const threshold = await cli(['retrain', 'digits', '--if-drift', '10', '--registry', registry]);
    assert.match(threshold.stdout, /no drift on latent_low/, 'MMD² never reaches 10');
    // The reconstruct head may lose a little on the original digits while learning inverted ones.
    const fired = await cli([
      'retrain',
      'digits',
      '--from',
      'production',
      '--if-drift',
      '--epochs',
      '3',
      '--tolerance',
      '0.05',
      '--registry',
      registry,
    ]);
    assert.equal(fired.code, 0, fired.stderr);
    assert.match(fired.stdout, /drift on latent_low \(MMD² [\d.]+, p 0\.0\d+\): retrained/);
    assert.match(fired.stdout, /promoted: production → [0-9a-f]{12}/, fired.stdout);
    assert.notEqual(store.tags('digits').production, champion);
    const bad = await cli(['retrain', '--if-drift', 'digits']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--if-drift takes an optional MMD² threshold .*put NAME before the flags/);
  } finally {
    await server.close();
  }
});
