// A tiny stand-in for an amalgamation (predict with named outputs) and a Fashion-MNIST-shaped dataset.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
export const tf = require('@tensorflow/tfjs');
const aq = require('arquero');

/** n images 28×28×1 (uint8) in 10 classes: each class lights a different band, plus noise. */
export function tinyDataset(n = 600, seedValue = 1) {
  let s = seedValue;
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const data = new Uint8Array(n * 28 * 28);
  const label = [],
    split = [];
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    label.push(c);
    split.push(Math.floor(i / 10) % 5 === 0 ? 'test' : 'train');
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const on = Math.abs(y - (c * 2.5 + 3)) < 2 || Math.abs(x - (27 - c * 2.5)) < 1.5;
        data[i * 784 + y * 28 + x] = Math.min(255, (on ? 180 : 0) + Math.floor(r() * 60));
      }
  }
  return {
    name: 'tiny',
    table: aq.table({ label, split }),
    images: { data, shape: [n, 28, 28, 1] },
    classes: ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Boot'],
  };
}

/** A dense net with the four named representations; predict(x, {outputs}) as the amalgamation's. */
export function tinyModel() {
  tf.setBackend('cpu');
  const input = tf.input({ shape: [28, 28, 1] });
  const flat = tf.layers.flatten().apply(input);
  const high = tf.layers
    .dense({
      units: 32,
      activation: 'relu',
      name: 'latent_high',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(flat);
  const low = tf.layers
    .dense({
      units: 8,
      activation: 'tanh',
      name: 'latent_low',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(high);
  const logits = tf.layers
    .dense({ units: 10, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
    .apply(low);
  const probs = tf.layers.softmax({ name: 'probs' }).apply(logits);
  const net = tf.model({ inputs: input, outputs: [high, low, logits, probs] });
  const names = ['latent_high', 'latent_low', 'logits', 'probs'];
  return {
    net,
    predict(x, { outputs }) {
      const all = net.predict(x);
      const out = {};
      names.forEach((n, i) => {
        if (outputs.includes(n)) out[n] = all[i];
        else all[i].dispose();
      });
      return out;
    },
    async fit(dataset, epochs = 3) {
      const n = dataset.images.shape[0];
      const x = tf.tensor4d(
        Float32Array.from(dataset.images.data, (v) => v / 255),
        [n, 28, 28, 1],
      );
      const y = tf.oneHot(tf.tensor1d(dataset.table.array('label'), 'int32'), 10);
      const trainer = tf.model({ inputs: input, outputs: probs });
      trainer.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      await trainer.fit(x, y, { epochs, batchSize: 64, verbose: 0, shuffle: false });
      tf.dispose([x, y]);
    },
  };
}
