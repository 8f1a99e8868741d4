// Training (lib/train): the multi-task loop on the shipped digits, its callbacks, interrupts, seeds, errors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { tf, digitsConfig, loadDigits, build, weightsOf } from '../model/fixtures.mjs';
import { fit } from '../../dist/lib/train/fit.js';
import { withoutLeaks } from '../helpers/leaks.mjs';

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
  const r = await withoutLeaks(() => fit(m, ds, { epochs: 4, batchSize: 32, live: false, lr: 0.01 }));
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
  let bestSnapshot;
  const r = await withoutLeaks(() =>
    fit(m, ds, {
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
    }),
  );
  assert.equal(r.stopped, 'interrupted');
  assert.ok(r.epochs >= 2 && r.epochs < 50, `stopped after ${r.epochs} epochs`);
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

test('fit calls the callbacks in order; a user callback can stop nothing but sees every step', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig());
  const calls = [];
  const logs = [];
  const r = await fit(m, ds, {
    epochs: 2,
    batchSize: 300,
    limit: 600,
    live: false,
    callbacks: [
      {
        onTrainBegin: (s) => calls.push(`begin ${s.epochs} ${s.samples}`),
        onEpochBegin: (e, s) => calls.push(`epoch ${e} lr ${s.lr}`),
        onBatchEnd: (b, l) => calls.push(`batch ${b} ${l.seen}/${l.total}`),
        onEpochEnd: (e, l) => {
          calls.push(`end ${e}`);
          logs.push(l);
        },
        onTrainEnd: (s) => calls.push(`done ${s.completed}`),
        dispose: () => calls.push('dispose'),
      },
    ],
  });
  // 600 rows, 10% held out: 540 trained per epoch in batches of 300.
  assert.deepEqual(calls, [
    'begin 2 540',
    'epoch 1 lr 0.001',
    'batch 0 300/540',
    'batch 1 540/540',
    'end 1',
    'epoch 2 lr 0.001',
    'batch 0 300/540',
    'batch 1 540/540',
    'end 2',
    'done 2',
    'dispose',
  ]);
  assert.ok(logs[0].val.digit.loss > 0 && logs[0].train.digit.acc >= 0);
  assert.equal(logs[1].monitor, logs[1].val.digit.loss, 'the monitor is the weighted validation loss');
  assert.equal(r.history.filter((h) => h.split === 'val' && h.metric === 'loss').length, 2);
  m.dispose();
});

test('a schedule callback sets each epoch’s learning rate; early stopping stops through the state', async () => {
  const ds = await loadDigits();
  const m = build(digitsConfig());
  const lrs = [];
  const r = await fit(m, ds, {
    epochs: 4,
    limit: 300,
    live: false,
    schedule: { kind: 'step', every: 2, factor: 0.1 },
    callbacks: [{ onEpochBegin: (_e, s) => lrs.push(Number(s.lr.toPrecision(3))) }],
  });
  assert.deepEqual(lrs, [0.001, 0.001, 0.0001, 0.0001]);
  assert.equal(r.stopped, 'completed');
  const stopper = { onEpochEnd: (e, _l, s) => e === 2 && s.stop('early-stopping') };
  const r2 = await fit(m, ds, { epochs: 10, limit: 300, live: false, callbacks: [stopper] });
  assert.deepEqual([r2.stopped, r2.epochs], ['early-stopping', 2]);
  m.dispose();
});
