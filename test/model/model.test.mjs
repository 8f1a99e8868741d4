import test from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, digitsConfig, loadDigits, build, weightsOf } from './fixtures.mjs';
import { amalgamate, diagramSvg, ModelError } from '../../dist/lib/model/index.js';
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
  const svg = diagramSvg(m);
  for (const name of ['input', 'bottom', 'latent_high', 'latent_low', 'logits', 'probs', 'digit', 'combo'])
    assert.match(svg, new RegExp(`>${name}( ❄)?<`));
  assert.equal(
    (svg.match(/marker-end=/g) ?? []).length,
    5 + 1 + 2,
    'edges: the trunk, digit ← logits, combo ← latent_low + digit',
  );
  const b = m[Symbol.for('Jupyter.display')]();
  assert.equal(b['image/svg+xml'], undefined, 'the bundle shows the diagram as PNG');
  assert.ok(Buffer.from(b['image/png'], 'base64').subarray(1, 4).toString() === 'PNG');
  assert.match(b['text/plain'], /bottom\s+bottom\s+input\s+\d+\s+[\d,]+\s+frozen/);
  assert.match(b['text/plain'], /combo\s+head \(classify\)\s+latent_low \+ digit/);
  assert.match(b['text/html'], /<img src="data:image\/png;base64,.*<table class="dataframe">/s);
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

test('predict takes the one data shape: a dataset, a table or {x, y}, as fit does', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig());
  const some = ds.slice(0, 5);
  const a = m.predict(some, { outputs: ['probs'] });
  assert.deepEqual(a.probs.shape, [5, 10]);
  const x = tf.tensor4d(
    Float32Array.from(some.images.data, (v) => v / 16),
    [5, 8, 8, 1],
  );
  const b = m.predict({ x }, { outputs: ['probs'] });
  assert.deepEqual(Array.from(a.probs.dataSync()), Array.from(b.probs.dataSync()), 'same inputs, same outputs');
  assert.throws(
    () => m.predict({ x: tf.zeros([2, 4]) }),
    /predict: the data's inputs have shape \[4\] per example; the model expects \[8, 8, 1\]/,
  );
  tf.dispose([a.probs, b.probs, x]);
  m.dispose();
});
