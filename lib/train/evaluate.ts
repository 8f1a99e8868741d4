// Evaluation: per-head losses and metrics on held-out data, and what a confusion matrix needs
// (true and predicted classes) for classify heads.
import * as tf from '@tensorflow/tfjs';
import type { Amalgamation } from '../model/amalgamation';
import { type DataOptions, type Resolved, resolveData, type TrainData } from './data';
import { headLoss, headMetric } from './losses';
import { type HeadPlan, plan } from './plan';

export interface Evaluation {
  metrics: Record<string, Record<string, number>>;
  /** Per classify head: true and predicted class indices, and class names when known. */
  classes: Record<string, { truth: Int32Array; pred: Int32Array; names?: string[] }>;
  n: number;
}

export interface EvaluateOptions extends DataOptions {
  /** Only these heads (default: every head with a tensor output). */
  heads?: string[];
  batchSize?: number;
}

/** Losses and metrics of every planned head over resolved data, in inference mode. */
export function evaluateResolved(
  model: Amalgamation,
  data: Resolved,
  heads: HeadPlan[],
  batchSize = 256,
): Record<string, Record<string, number>> {
  const sums = heads.map(() => ({ loss: 0, metric: 0 }));
  const sub = model.subModel(heads.map((h) => h.name));
  for (let i = 0; i < data.n; i += batchSize) {
    const size = Math.min(batchSize, data.n - i);
    const values = tf.tidy(() => {
      const xb = data.x.slice(i, size);
      const out = [sub.predict(xb) as tf.Tensor | tf.Tensor[]].flat();
      return tf
        .stack(
          heads.flatMap((h, j) => {
            const y = data.targets[h.name].slice(i, size);
            const pred = out[j];
            return [headLoss(h.task, h.loss, y, pred), headMetric(h.task, y, pred) ?? tf.scalar(0)];
          }),
        )
        .dataSync();
    });
    heads.forEach((_, j) => {
      sums[j].loss += values[2 * j] * size;
      sums[j].metric += values[2 * j + 1] * size;
    });
  }
  return Object.fromEntries(
    heads.map((h, j) => [
      h.name,
      { loss: sums[j].loss / data.n, ...(h.metric ? { [h.metric]: sums[j].metric / data.n } : {}) },
    ]),
  );
}

/** Evaluates heads (default: all with a tensor output) on data (default split 'test'). */
export function evaluate(model: Amalgamation, data: TrainData, options: EvaluateOptions = {}): Evaluation {
  const plans = plan(model, { heads: options.heads });
  const heads = plans.map((p) => p.name);
  const r = resolveData(model, data, heads, { ...options, split: options.split ?? 'test', where: 'evaluate' });
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
