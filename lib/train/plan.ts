// Which heads a training run or an evaluation covers, with each head's task, loss, weight and metric.
import * as tf from '@tensorflow/tfjs';
import type { Task } from '../model/config';
import type { Amalgamation } from '../model/amalgamation';
import { ModelError } from '../model/errors';
import { checkLoss, DEFAULT_METRIC } from './losses';

export interface HeadPlan {
  name: string;
  task: Task;
  loss: string;
  weight: number;
  metric?: string;
}

/** The heads with a tensor output (retrieve heads train nothing), checked by name. */
export function plan(
  model: Amalgamation,
  options: { heads?: string[]; weights?: Record<string, number> } = {},
): HeadPlan[] {
  const names = options.heads ?? model.headNames;
  for (const h of names) model.head(h);
  for (const h of Object.keys(options.weights ?? {})) model.head(h);
  return names
    .filter((h) => model.head(h).task !== 'retrieve')
    .map((h) => {
      const head = model.head(h);
      return {
        name: h,
        task: head.task,
        loss: checkLoss(h, head.task, head.loss),
        weight: options.weights?.[h] ?? head.weight ?? 1,
        metric: DEFAULT_METRIC[head.task],
      };
    });
}

/** Σ weight · loss over the heads: the quantity training minimises and early stopping watches. */
export const weightedLoss = (plans: HeadPlan[], metrics: Record<string, Record<string, number>>): number =>
  plans.reduce((s, p) => s + p.weight * metrics[p.name].loss, 0);

export function makeOptimizer(kind: string, lr: number): tf.Optimizer {
  if (kind === 'sgd') return tf.train.sgd(lr);
  if (kind === 'rmsprop') return tf.train.rmsprop(lr);
  if (kind !== 'adam') throw new ModelError(`unknown optimizer "${kind}" (adam, sgd, rmsprop)`);
  return tf.train.adam(lr);
}
