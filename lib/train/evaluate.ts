// Evaluation after training: per-head losses and metrics on held-out data, and what a confusion
// matrix needs (true and predicted classes) for classify heads.
import * as tf from '@tensorflow/tfjs';
import type { Amalgamation } from '../model/amalgamation';
import { type DataOptions, resolveData, type TrainData } from './data';
import { evaluateResolved, plan } from './fit';

export interface Evaluation {
  metrics: Record<string, Record<string, number>>;
  /** Per classify head: true and predicted class indices, and class names when known. */
  classes: Record<string, { truth: Int32Array; pred: Int32Array; names?: string[] }>;
  n: number;
}

/** Evaluates heads (default: all with a tensor output) on data (default split 'test'). */
export function evaluate(
  model: Amalgamation,
  data: TrainData,
  options: DataOptions & { heads?: string[]; batchSize?: number } = {},
): Evaluation {
  const plans = plan(model, { heads: options.heads });
  const heads = plans.map((p) => p.name);
  const r = resolveData(model, data, heads, { ...options, split: options.split ?? 'test' });
  try {
    const metrics = evaluateResolved(model, r, plans, options.batchSize);
    const classes: Evaluation['classes'] = {};
    const classify = heads.filter((h) => model.head(h).task === 'classify');
    if (classify.length) {
      const out = model.predict(r.x, { outputs: classify, batchSize: options.batchSize });
      for (const h of classify) {
        const pred = tf.tidy(() => tf.argMax(out[h], -1).dataSync() as Int32Array);
        const truth = Int32Array.from(r.targets[h].dataSync());
        classes[h] = { truth, pred, names: r.columns[h] ? r.classes[r.columns[h]!] : undefined };
      }
      tf.dispose(Object.values(out));
    }
    return { metrics, classes, n: r.n };
  } finally {
    r.dispose();
  }
}
