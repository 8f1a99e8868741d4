import test from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, digitsConfig, loadDigits, build, weightsOf } from './fixtures.mjs';
import { amalgamate, ModelError } from '../../dist/lib/model/index.js';
import { fit } from '../../dist/lib/train/fit.js';

test('runs on the wasm backend', async () => {
  await ready;
  assert.equal(tf.getBackend(), 'wasm');
});

test('every representation has its declared shape; heads their own', async () => {
  await ready;
  const m = build(
    digitsConfig({
      recon: { from: 'latent_low', task: 'reconstruct' },
      size: { from: 'latent_high', task: 'regress', target: 'size', units: 2 },
      tags: { from: 'latent_high', task: 'multilabel', target: 'tags', units: 3 },
    }),
  );
  const out = m.predict(tf.zeros([3, 8, 8, 1]));
  const shapes = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    latent_high: [3, 32],
    latent_low: [3, 6],
    logits: [3, 10],
    probs: [3, 10],
    digit: [3, 10],
    recon: [3, 8, 8, 1],
    size: [3, 2],
    tags: [3, 3],
  });
  const probs = out.probs.sum(1).dataSync();
  for (const s of probs) assert.ok(Math.abs(s - 1) < 1e-5, 'probs rows sum to 1');
  tf.dispose(Object.values(out));
  m.dispose();
});

test('a combined head reads latent_low and probs (6 + 10 inputs)', async () => {
  await ready;
  const m = build(
    digitsConfig({ combo: { from: ['latent_low', 'probs'], task: 'classify', units: 4, target: 'label' } }),
  );
  const concat = m.layersOf('combo').find((l) => l.getClassName() === 'Concatenate');
  assert.ok(concat, 'a concatenate layer joins the two representations');
  assert.deepEqual(concat.outputShape, [null, 16]);
  assert.deepEqual(m.outputShape('combo'), [null, 4]);
  m.dispose();
});

test('predict computes only what the named outputs need', async () => {
  await ready;
  const m = build(digitsConfig({ recon: { from: 'latent_low', task: 'reconstruct' } }));
  const calls = { recon: 0, logits: 0 };
  for (const [name, layer] of [
    ['recon', m.layersOf('recon').at(-1)],
    ['logits', m.model.getLayer('logits')],
  ]) {
    const call = layer.call.bind(layer);
    layer.call = (...a) => {
      calls[name]++;
      return call(...a);
    };
  }
  const out = m.predict(tf.zeros([2, 8, 8, 1]), { outputs: ['latent_low'] });
  assert.deepEqual(Object.keys(out), ['latent_low']);
  assert.deepEqual(calls, { recon: 0, logits: 0 });
  tf.dispose(Object.values(out));
  const out2 = m.predict(tf.zeros([2, 8, 8, 1]), { outputs: ['recon'] });
  assert.equal(calls.recon, 1);
  assert.equal(calls.logits, 0, 'the reconstruct head does not need logits');
  tf.dispose(Object.values(out2));
  m.dispose();
});

test('bad configs name the head, the source or the shape', async () => {
  await ready;
  assert.throws(
    () => build(digitsConfig({ bad: { from: 'latent_lo', task: 'classify', units: 3 } })),
    (e) => e instanceof ModelError && /head "bad" reads "latent_lo".*did you mean "latent_low"/.test(e.message),
  );
  assert.throws(
    () => build(digitsConfig({ a: { from: 'b', task: 'regress' }, b: { from: ['latent_low', 'a'], task: 'regress' } })),
    /heads form a cycle: a → b → a|heads form a cycle: b → a → b/,
  );
  assert.throws(
    () => build(digitsConfig({ x: { from: 'probs', task: 'cluster' } })),
    /head "x": unknown task "cluster"/,
  );
  assert.throws(
    () =>
      amalgamate({
        input: [16],
        bottom: { blocks: [{ conv: { filters: 4 } }] },
        representations: { logits: { units: 2 } },
      }),
    /conv block needs an image tensor/,
  );
  assert.throws(
    () => build(digitsConfig({ probs: { from: 'logits', task: 'classify' } })),
    /taken by a representation/,
  );
  const m = build(digitsConfig());
  assert.throws(
    () => m.predict(tf.zeros([2, 28, 28, 1])),
    /input shape \[2, 28, 28, 1\] does not fit the model's input \[batch, 8, 8, 1\]/,
  );
  assert.throws(() => m.predict(tf.zeros([2, 8, 8, 1]), { outputs: ['nope'] }), /no output "nope"/);
  assert.throws(() => m.freeze('botom'), /no component "botom"/);
  m.dispose();
});

test('training: loss falls, a weight-0 head keeps its weights bit for bit, no tensor leaks', async () => {
  const ds = await loadDigits();
  const m = build(
    digitsConfig({
      side: {
        from: 'latent_high',
        task: 'classify',
        target: 'label',
        units: 10,
        weight: 0,
        layers: [{ dense: { units: 8 } }],
      },
    }),
  );
  const side = weightsOf(m, 'side');
  const before = tf.memory().numTensors;
  const r = await fit(m, ds, { epochs: 4, batchSize: 32, live: false, lr: 0.01 });
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  assert.equal(r.stopped, 'completed');
  const loss = (e) =>
    r.history.find((h) => h.epoch === e && h.head === 'digit' && h.split === 'train' && h.metric === 'loss').value;
  assert.ok(loss(4) < loss(1) * 0.7, `loss falls: ${loss(1)} → ${loss(4)}`);
  assert.ok(r.metrics.digit.acc > 0.7, `validation accuracy ${r.metrics.digit.acc}`);
  assert.deepEqual(weightsOf(m, 'side'), side, 'weight-0 head untouched');
  assert.ok(!r.history.some((h) => h.head === 'side' && h.split === 'train'), 'weight-0 head is not trained');
  assert.ok(
    r.history.some((h) => h.head === 'side' && h.split === 'val'),
    'but it is evaluated',
  );
  m.dispose();
});

test('frozen bottom (batch norm included) keeps its weights; a new head trains on it alone', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig());
  await fit(m, ds, { epochs: 3, live: false, lr: 0.01 });
  m.freeze('bottom', 'representations');
  const bottom = weightsOf(m, 'bottom');
  const reps = weightsOf(m, 'representations');
  m.addHead('parity', {
    from: 'latent_low',
    task: 'classify',
    units: 2,
    target: 'parity',
    layers: [{ dense: { units: 8 } }],
  });
  const parity = weightsOf(m, 'parity');
  const labels = ds.table.array('label');
  const x = tf.tensor4d(
    Float32Array.from(ds.images.data, (v) => v / 16),
    [labels.length, 8, 8, 1],
  );
  const y = {
    parity: tf.tensor1d(
      Int32Array.from(labels, (l) => Number(l) % 2),
      'int32',
    ),
  };
  const r = await fit(m, { x, y }, { epochs: 4, heads: ['parity'], live: false, lr: 0.01 });
  assert.deepEqual(weightsOf(m, 'bottom'), bottom, 'bottom bit for bit, moving statistics too');
  assert.deepEqual(weightsOf(m, 'representations'), reps);
  assert.notDeepEqual(weightsOf(m, 'parity'), parity, 'the new head trained');
  assert.ok(r.metrics.parity.acc > 0.6, `parity accuracy ${r.metrics.parity.acc}`);
  m.unfreeze('bottom');
  assert.deepEqual(m.frozen, ['latent_high', 'latent_low', 'logits', 'probs'], "'representations' names the four");
  // replacing the head: fresh weights, the rest untouched
  m.replaceHead('parity', { from: 'latent_high', task: 'classify', units: 2, target: 'parity' });
  assert.deepEqual(m.head('parity').from, 'latent_high');
  assert.deepEqual(weightsOf(m, 'bottom'), bottom);
  tf.dispose([x, y.parity]);
  m.dispose();
});

test('training errors name the head and the column, and lose nothing', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig({ shape: { from: 'latent_low', task: 'classify', units: 3, target: 'shape' } }));
  const all = weightsOf(m, 'bottom');
  await assert.rejects(
    fit(m, ds, { epochs: 1, live: false }),
    /head "shape" learns column "shape", which dataset digits lacks \(columns: label/,
  );
  await assert.rejects(fit(m, ds, { epochs: 1, live: false, weights: { nope: 1 } }), /no head "nope"/);
  await assert.rejects(
    fit(m, { x: tf.zeros([4, 28, 28, 1]), y: { label: [0, 1, 2, 3] } }, { heads: ['digit'], live: false, epochs: 1 }),
    /inputs have shape \[28, 28, 1\].*expects \[8, 8, 1\]/,
  );
  const narrow = build(digitsConfig({ few: { from: 'latent_low', task: 'classify', units: 4, target: 'label' } }));
  await assert.rejects(
    fit(narrow, ds, { heads: ['few'], epochs: 1, live: false }),
    /head "few" has 4 classes, but column "label" holds class indices from 0 to 9/,
  );
  narrow.dispose();
  assert.deepEqual(weightsOf(m, 'bottom'), all);
  m.dispose();
});

test('interrupt: stops after the current batch, best weights back, model usable, no leaks', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig());
  const controller = new AbortController();
  const before = tf.memory().numTensors;
  let bestSnapshot;
  const r = await fit(m, ds, {
    epochs: 50,
    batchSize: 16,
    live: false,
    signal: controller.signal,
    onEpoch: (epoch) => {
      if (epoch === 2) {
        bestSnapshot = weightsOf(m, 'bottom');
        setTimeout(() => controller.abort(), 20);
      }
    },
    validationSplit: 0.2,
  });
  assert.equal(r.stopped, 'interrupted');
  assert.ok(r.epochs >= 2 && r.epochs < 50, `stopped after ${r.epochs} epochs`);
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  if (r.bestEpoch === 2) assert.deepEqual(weightsOf(m, 'bottom'), bestSnapshot, 'best epoch weights restored');
  const out = m.predict(tf.zeros([1, 8, 8, 1]), { outputs: ['digit'] });
  assert.deepEqual(out.digit.shape, [1, 10]);
  tf.dispose(Object.values(out));
  m.dispose();
});

test('seeded: same seed, same weights after training', async () => {
  const ds = await loadDigits();
  const run = async () => {
    const m = build(digitsConfig(), 42);
    await fit(m, ds, { epochs: 1, live: false, limit: 400 });
    const w = weightsOf(m, 'representations');
    m.dispose();
    return w;
  };
  const { seed } = await import('../../dist/lib/random.js');
  seed(42);
  const a = await run();
  seed(42);
  const b = await run();
  assert.deepEqual(a, b);
});

test('early stopping and the learning-rate schedule', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig());
  const lrs = [];
  const r = await fit(m, ds, {
    epochs: 30,
    lr: 0.5,
    optimizer: 'sgd',
    patience: 2,
    live: false,
    limit: 300,
    schedule: (epoch, lr) => {
      lrs.push(lr);
      return epoch === 0 ? 0.5 : lr * 2;
    },
  });
  assert.equal(r.stopped, 'early-stopping');
  assert.ok(r.epochs < 30);
  assert.deepEqual(lrs.slice(0, 3), [0.5, 0.5, 1], `lrs ${lrs}`);
  m.dispose();
});

test('retrieve head: nearest neighbours in latent_low, an indexed point finds itself', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig({ similar: { from: 'latent_low', task: 'retrieve', k: 3 } }));
  const x = tf.tensor4d(
    Float32Array.from(ds.images.data.subarray(0, 64 * 50), (v) => v / 16),
    [50, 8, 8, 1],
  );
  assert.throws(() => m.predict(x, { outputs: ['similar'] }), /no index yet/);
  m.index(x);
  const out = m.predict(x.slice(10, 5), { outputs: ['similar'] });
  assert.deepEqual(out.similar.shape, [5, 3]);
  const first = Array.from(out.similar.arraySync(), (row) => row[0]);
  assert.deepEqual(first, [10, 11, 12, 13, 14]);
  tf.dispose([x, ...Object.values(out)]);
  m.dispose();
});

test('snapshot → restore gives identical predictions in a fresh model', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig({ recon: { from: 'latent_low', task: 'reconstruct' } }));
  await fit(m, ds, { epochs: 1, live: false, limit: 300 });
  const snap = m.snapshot();
  assert.deepEqual(
    snap.map((c) => [c.name, c.kind]),
    [
      ['bottom', 'bottom'],
      ['latent_high', 'representation'],
      ['latent_low', 'representation'],
      ['logits', 'representation'],
      ['probs', 'representation'],
      ['digit', 'head'],
      ['recon', 'head'],
    ],
  );
  const fresh = build(m.config, 99);
  fresh.restore(snap);
  const x = tf.randomUniform([4, 8, 8, 1]);
  const a = m.predict(x),
    b = fresh.predict(x);
  for (const k of Object.keys(a)) assert.deepEqual(Array.from(a[k].dataSync()), Array.from(b[k].dataSync()), k);
  const wrong = build(
    digitsConfig({ recon: { from: 'latent_high', task: 'reconstruct', layers: [{ dense: { units: 5 } }] } }),
  );
  assert.throws(() => wrong.restore(snap), /component "recon" weight recon\/0_dense\/kernel \[32,5\] does not match/);
  tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
  [m, fresh, wrong].forEach((v) => v.dispose());
});

test('display: diagram with every component and edge, table of params and state', async () => {
  await ready;
  const m = build(
    digitsConfig({ combo: { from: ['latent_low', 'digit'], task: 'classify', units: 2, target: 'label' } }),
  );
  m.freeze('bottom');
  const b = m[Symbol.for('Jupyter.display')]();
  for (const name of ['input', 'bottom', 'latent_high', 'latent_low', 'logits', 'probs', 'digit', 'combo'])
    assert.match(b['image/svg+xml'], new RegExp(`>${name}( ❄)?<`));
  assert.equal(
    (b['image/svg+xml'].match(/marker-end=/g) ?? []).length,
    5 + 1 + 2,
    'edges: the trunk, digit ← logits, combo ← latent_low + digit',
  );
  assert.match(b['text/plain'], /bottom\s+bottom\s+input\s+\d+\s+[\d,]+\s+frozen/);
  assert.match(b['text/plain'], /combo\s+head \(classify\)\s+latent_low \+ digit/);
  assert.match(b['text/html'], /<table>/);
  m.dispose();
});

test('each representation is a component: frozen, snapshotted and restored by its own name', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig());
  m.freeze('latent_high');
  assert.deepEqual(m.frozen, ['latent_high']);
  assert.deepEqual(
    m.layersOf('latent_high').map((l) => [l.name, l.trainable]),
    [['latent_high', false]],
  );
  assert.ok(
    m.layersOf('latent_low').every((l) => l.trainable),
    'latent_low stays trainable',
  );
  const high = weightsOf(m, 'latent_high');
  const low = weightsOf(m, 'latent_low');
  await fit(m, ds, { epochs: 2, live: false, lr: 0.01, limit: 400 });
  assert.deepEqual(weightsOf(m, 'latent_high'), high, 'frozen latent_high bit for bit');
  assert.notDeepEqual(weightsOf(m, 'latent_low'), low, 'latent_low trained');
  const info = m.components().find((c) => c.name === 'latent_low');
  assert.deepEqual(
    [info.kind, info.from, info.frozen, info.outputShape],
    ['representation', ['latent_high'], false, [[null, 6]]],
  );
  const probs = m.snapshot().find((c) => c.name === 'probs');
  assert.deepEqual(probs.weights, [], 'probs is an activation: a component without weights');
  // restoring one representation changes only it
  const other = build(m.config, 7);
  const before = weightsOf(other, 'latent_low');
  other.restore(m.snapshot().filter((c) => c.name === 'latent_high'));
  assert.deepEqual(weightsOf(other, 'latent_high'), high);
  assert.deepEqual(weightsOf(other, 'latent_low'), before);
  assert.throws(() => m.freeze('latent_hihg'), /no component "latent_hihg" \(did you mean "latent_high"\?\)/);
  assert.deepEqual(m.frozen, ['latent_high'], 'a refused name changes nothing');
  [m, other].forEach((v) => v.dispose());
});
