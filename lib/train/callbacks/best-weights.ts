// Keeps a copy of the weights of the best epoch (lowest monitored loss) and puts them back when
// training ends on a worse epoch, stops early or is interrupted; the result's metrics follow.
import * as tf from '@tensorflow/tfjs';
import type { Callback, EpochLogs, TrainingState } from './base';

export class BestWeights implements Callback {
  best?: { epoch: number; loss: number };
  private weights: tf.Tensor[] = [];

  /** `restore: false` only tracks which epoch was best. */
  constructor(private readonly restore = true) {}

  onEpochEnd(epoch: number, logs: EpochLogs, state: TrainingState): void {
    if (this.best && !(logs.monitor < this.best.loss)) return;
    this.best = { epoch, loss: logs.monitor };
    if (!this.restore) return;
    tf.dispose(this.weights);
    this.weights = state.model.model.weights.map((w) => tf.keep(w.read().clone()));
  }

  onTrainEnd(state: TrainingState): void {
    if (!this.best || !this.weights.length) return;
    if (!state.interrupted && this.best.epoch === state.completed) return;
    state.model.model.weights.forEach((w, i) => w.write(this.weights[i]));
    state.metrics = state.evaluateValidation() ?? state.metrics;
  }

  dispose(): void {
    tf.dispose(this.weights);
    this.weights = [];
  }
}
