// Per-head losses and metrics. Targets arrive as the data gives them: class indices (int32) for
// classify, 0/1 rows for multilabel, values for regress, the input itself for reconstruct.
import * as tf from '@tensorflow/tfjs';
import type { Task } from '../model/config';
import { ModelError } from '../model/errors';

const EPS = 1e-7;

export const LOSSES: Record<Task, string[]> = {
  classify: ['crossentropy'],
  multilabel: ['crossentropy'],
  regress: ['mse', 'mae', 'huber'],
  reconstruct: ['mse', 'mae', 'crossentropy'],
  retrieve: [],
};
export const DEFAULT_METRIC: Record<Task, string | undefined> = {
  classify: 'acc',
  multilabel: 'acc',
  regress: 'mae',
  reconstruct: 'mse',
  retrieve: undefined,
};

export function checkLoss(head: string, task: Task, loss: string | undefined): string {
  const l = loss ?? LOSSES[task][0];
  if (!LOSSES[task].includes(l))
    throw new ModelError(`head "${head}": loss "${l}" does not suit a ${task} head (use ${LOSSES[task].join(', ')})`);
  return l;
}

/** A class-index or one-hot target as one-hot rows of `depth`. */
function oneHot(y: tf.Tensor, depth: number): tf.Tensor {
  return y.rank === 1 ? tf.oneHot(y.toInt(), depth).toFloat() : y.toFloat();
}

/** Mean loss of a batch, a scalar. `pred` is the head's output (probabilities for classify). */
export function headLoss(task: Task, loss: string, y: tf.Tensor, pred: tf.Tensor): tf.Scalar {
  switch (task) {
    case 'classify': {
      const p = tf.clipByValue(pred, EPS, 1);
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot(y, pred.shape[1]!), tf.log(p)), -1))) as tf.Scalar;
    }
    case 'multilabel': {
      const p = tf.clipByValue(pred, EPS, 1 - EPS);
      const t = y.toFloat().reshape(pred.shape);
      return tf.neg(tf.mean(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))))) as tf.Scalar;
    }
    default: {
      const t = y.toFloat().reshape(pred.shape);
      if (loss === 'mae') return tf.mean(tf.abs(tf.sub(pred, t))) as tf.Scalar;
      if (loss === 'huber') return tf.losses.huberLoss(t, pred) as tf.Scalar;
      if (loss === 'crossentropy') {
        const p = tf.clipByValue(pred, EPS, 1 - EPS);
        return tf.neg(tf.mean(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))))) as tf.Scalar;
      }
      return tf.mean(tf.square(tf.sub(pred, t))) as tf.Scalar;
    }
  }
}

/** The head's default metric on a batch, a scalar: accuracy, MAE or MSE. */
export function headMetric(task: Task, y: tf.Tensor, pred: tf.Tensor): tf.Scalar | undefined {
  switch (task) {
    case 'classify': {
      const truth = y.rank === 1 ? y.toInt() : tf.argMax(y, -1);
      return tf.mean(tf.equal(tf.argMax(pred, -1), truth).toFloat()) as tf.Scalar;
    }
    case 'multilabel':
      return tf.mean(tf.equal(tf.greater(pred, 0.5).toFloat(), y.toFloat().reshape(pred.shape)).toFloat()) as tf.Scalar;
    case 'regress':
      return tf.mean(tf.abs(tf.sub(pred, y.toFloat().reshape(pred.shape)))) as tf.Scalar;
    case 'reconstruct':
      return tf.mean(tf.square(tf.sub(pred, y.toFloat().reshape(pred.shape)))) as tf.Scalar;
    default:
      return undefined;
  }
}
