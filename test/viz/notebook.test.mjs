// %latent --rep all on a small trained model, through the real kernel and Jupyter's nbclient. The
// model is built with tfjs in a cell (with the amalgamation's predict(x, {outputs}) shape) until the
// model issue's builder lands; the data is a Fashion-MNIST-shaped dataset made in a cell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pngOf } from './helpers.mjs';
import { errorOf, runCells } from '../helpers/notebook.mjs';

const cells = [
  `import * as tf from '@tensorflow/tfjs'
import * as aq from 'arquero'
const n = 400
const images = new Uint8Array(n * 784)
const label: number[] = []
for (let i = 0; i < n; i++) {
  const c = i % 10
  label.push(c)
  for (let p = 0; p < 784; p++) images[i * 784 + p] = (Math.abs(Math.floor(p / 28) - (3 + 2.4 * c)) < 2 ? 200 : 0) + ((i * 31 + p * 7) % 50)
}
const fashion = { name: 'tiny-fashion', table: aq.table({ label }), images: { data: images, shape: [n, 28, 28, 1] } }
fashion.table.numRows()`,
  `const input = tf.input({ shape: [28, 28, 1] })
const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor
const high = tf.layers.dense({ units: 32, activation: 'relu' }).apply(flat) as tf.SymbolicTensor
const low = tf.layers.dense({ units: 8, activation: 'tanh' }).apply(high) as tf.SymbolicTensor
const logits = tf.layers.dense({ units: 10 }).apply(low) as tf.SymbolicTensor
const probs = tf.layers.softmax().apply(logits) as tf.SymbolicTensor
const net = tf.model({ inputs: input, outputs: [high, low, logits, probs] })
const trainer = tf.model({ inputs: input, outputs: probs })
trainer.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
const xs = tf.tensor4d(Float32Array.from(images, (v) => v / 255), [n, 28, 28, 1])
const ys = tf.oneHot(tf.tensor1d(label, 'int32'), 10)
const h = await trainer.fit(xs, ys, { epochs: 3, batchSize: 50, verbose: 0 })
const names = ['latent_high', 'latent_low', 'logits', 'probs']
const fm = {
  predict(x: tf.Tensor, o: { outputs: string[] }) {
    const all = net.predict(x) as tf.Tensor[]
    const out: Record<string, tf.Tensor> = {}
    names.forEach((name, i) => { if (o.outputs.includes(name)) out[name] = all[i]; else all[i].dispose() })
    return out
  },
}
h.history.loss.length`,
  '%seed 3',
  '%latent fm --data fashion --rep all --n 120',
  '%latent fm --data fashion --rep nope',
  '%latent?',
];

test('%latent --rep all through nbclient: a vegalite v5 chart with four linked views, a drawn PNG and text', {
  timeout: 240_000,
}, async () => {
  const nb = await runCells(cells, { timeout: 180 });
  for (const i of [0, 1, 3])
    assert.equal(errorOf(nb.cells[i]), undefined, `cell ${i}: ${JSON.stringify(errorOf(nb.cells[i]))}`);
  const out = nb.cells[3].outputs.find((o) => o.data?.['application/vnd.vegalite.v5+json']);
  assert.ok(out, `no vegalite output: ${JSON.stringify(nb.cells[3].outputs).slice(0, 500)}`);
  const spec = out.data['application/vnd.vegalite.v5+json'];
  assert.match(spec.$schema, /vega-lite\/v5/);
  assert.equal(spec.concat.length, 4);
  assert.equal(spec.data.values.length, 120);
  assert.ok(spec.data.values[0].image.startsWith('data:image/png;base64,'));
  const { ink } = pngOf(out.data);
  assert.ok(ink > 0.02, `the PNG shows the four views (${(100 * ink).toFixed(1)}% ink)`);
  assert.equal(out.data['image/svg+xml'], undefined);
  assert.match([].concat(out.data['text/plain']).join(''), /Latent space/);
  const bytes = Buffer.byteLength(JSON.stringify(out.data));
  assert.ok(bytes < 1_000_000, `payload ${bytes}`);
  assert.match(JSON.stringify(errorOf(nb.cells[4])), /--rep expects one of/);
  assert.match(JSON.stringify(nb.cells[5].outputs), /%latent MODEL --data NAME/);
});
