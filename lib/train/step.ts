// One multi-task training step. tfjs-layers' fit has no loss weights and no per-head control, so
// amalgam writes it: total = Σ weight(head) · loss(head), gradients for the trainable variables of
// what the weighted heads need, one optimizer step.
import * as tf from '@tensorflow/tfjs';
import { headLoss, headMetric } from './losses';
import type { HeadPlan } from './plan';

/**
 * A step over one batch: returns each head's loss, then each head's metric (0 where a head has none),
 * as one small tensor the caller reads once.
 */
export type TrainStep = (xb: tf.Tensor, targets: tf.Tensor[]) => tf.Tensor1D;

export function makeStep(trainModel: tf.LayersModel, heads: HeadPlan[], optimizer: tf.Optimizer): TrainStep {
  const variables = [...new Set(trainModel.trainableWeights.map((w) => w.read() as tf.Variable))];
  return (xb, targets) =>
    tf.tidy(() => {
      let report!: tf.Tensor1D;
      const { value, grads } = tf.variableGrads(() => {
        const out = [trainModel.apply(xb, { training: true }) as tf.Tensor | tf.Tensor[]].flat();
        const losses = heads.map((p, j) => headLoss(p.task, p.loss, targets[j], out[j]));
        const metrics = heads.map((p, j) => headMetric(p.task, targets[j], out[j]) ?? tf.scalar(0));
        report = tf.keep(tf.stack([...losses, ...metrics]) as tf.Tensor1D);
        return losses.reduce((s, l, j) => s.add(l.mul(heads[j].weight)), tf.scalar(0)) as tf.Scalar;
      }, variables);
      optimizer.applyGradients(grads);
      value.dispose();
      return report;
    });
}
