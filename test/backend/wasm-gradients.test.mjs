// The wasm backend's added gradient kernels agree with the cpu backend, and a small CNN trains on wasm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import tf from '@tensorflow/tfjs';
import { useBackend } from '../../dist/lib/backend/index.js';

async function convGrads(backend, { strides, pad, dilations = [1, 1] }) {
  await useBackend(backend);
  const x = tf.tensor4d(
    Array.from({ length: 2 * 9 * 9 * 3 }, (_, i) => Math.sin(i)),
    [2, 9, 9, 3],
  );
  const w = tf.tensor4d(
    Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)),
    [3, 3, 3, 4],
  );
  const [gx, gw] = tf.grads((a, b) => tf.conv2d(a, b, strides, pad, 'NHWC', dilations).square().sum())([x, w]);
  const out = [await gx.data(), await gw.data()];
  tf.dispose([x, w, gx, gw]);
  return out;
}

for (const c of [
  { strides: [1, 1], pad: 'same' },
  { strides: [2, 2], pad: 'same' },
  { strides: [1, 1], pad: 'valid' },
  { strides: [2, 1], pad: 'valid' },
]) {
  // (tfjs itself has no conv2d gradient for dilations > 1 on any backend)
  test(`conv2d gradients on wasm match cpu (strides ${c.strides}, ${c.pad}, dilations ${c.dilations ?? [1, 1]}) within 1e-4 relative`, async () => {
    const cpu = await convGrads('cpu', c);
    const wasm = await convGrads('wasm', c);
    for (let k = 0; k < 2; k++) {
      assert.equal(cpu[k].length, wasm[k].length);
      for (let i = 0; i < cpu[k].length; i++)
        assert.ok(
          Math.abs(cpu[k][i] - wasm[k][i]) <= 1e-4 * (1 + Math.abs(cpu[k][i])),
          `${k ? 'filter' : 'input'} grad ${i}: ${cpu[k][i]} vs ${wasm[k][i]}`,
        );
    }
  });
}

test('a small CNN (conv, max-pool, dropout, dense) trains on wasm and its loss falls', async () => {
  await useBackend('wasm');
  tf.setBackend('wasm');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.1 }),
      tf.layers.dense({
        units: 2,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.concat([tf.ones([16, 8, 8, 1]), tf.zeros([16, 8, 8, 1])]);
  const ys = tf.oneHot(tf.tensor1d([...Array(16).fill(0), ...Array(16).fill(1)], 'int32'), 2);
  const h = await model.fit(xs, ys, { epochs: 15, verbose: 0 });
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(h.history.loss.at(-1) < h.history.loss[0] * 0.7, `loss ${h.history.loss[0]} -> ${h.history.loss.at(-1)}`);
});
