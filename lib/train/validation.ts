// The validation hold-out: a seeded shuffle of the training rows, the last fraction held out.
import * as tf from '@tensorflow/tfjs';
import { derive, shuffleInPlace } from '../random';
import type { Resolved } from './data';

export function holdOut(n: number, fraction: number): { train: Int32Array; val: Int32Array } {
  const rng = derive('validation');
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(idx, rng);
  const nVal = Math.round(n * fraction);
  return { train: idx.slice(0, n - nVal), val: idx.slice(n - nVal) };
}

/** The rows of resolved data at `rows` (targets that are the inputs stay the inputs). */
export function subset(r: Resolved, rows: Int32Array): Resolved {
  const idx = tf.tensor1d(rows, 'int32');
  const x = tf.gather(r.x, idx);
  const cache = new Map<tf.Tensor, tf.Tensor>([[r.x, x]]);
  const targets: Record<string, tf.Tensor> = {};
  for (const [h, t] of Object.entries(r.targets)) {
    if (!cache.has(t)) cache.set(t, tf.gather(t, idx));
    targets[h] = cache.get(t)!;
  }
  idx.dispose();
  const owned = [...cache.values()];
  return { x, targets, columns: r.columns, classes: r.classes, n: rows.length, dispose: () => tf.dispose(owned) };
}
