// Shared fixtures for model tests: the shipped digits dataset (8×8) and a small conv amalgamation.
import tf from '@tensorflow/tfjs';
import '../../dist/lib/index.js'; // the library's one registration: renderers and the model's display
import { amalgamate } from '../../dist/lib/model/index.js';
import { loadDataset } from '../../dist/lib/data/datasets.js';
import { selectBackend } from '../../dist/lib/backend/index.js';
import { seed } from '../../dist/lib/random.js';

export { tf };
export const ready = selectBackend();

export const digitsConfig = (heads = {}) => ({
  input: [8, 8, 1],
  bottom: { blocks: [{ conv: { filters: 8, batchNorm: true } }, { pool: {} }] },
  representations: { latent_high: { units: 32 }, latent_low: { units: 6 }, logits: { units: 10 } },
  heads: {
    digit: { from: 'logits', task: 'classify', target: 'label' },
    ...heads,
  },
});

let digits;
export async function loadDigits() {
  await ready;
  digits ??= await loadDataset('digits');
  return digits;
}

export function build(config, s = 1) {
  seed(s);
  return amalgamate(config);
}

/** Every weight of a component, copied. */
export const weightsOf = (model, component) =>
  model.layersOf(component).flatMap((l) => l.weights.map((w) => Array.from(w.read().dataSync())));
