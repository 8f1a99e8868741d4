// History: one tidy record per epoch, head, split and metric, kept on the model too
// (viz.trainingCurves(model.history) redraws every run).
import type { Callback, TrainingState } from './base';

export class History implements Callback {
  onEpochEnd(
    epoch: number,
    logs: { train: Record<string, Record<string, number>>; val?: Record<string, Record<string, number>> },
    state: TrainingState,
  ): void {
    for (const [split, metrics] of [
      ['train', logs.train],
      ['val', logs.val],
    ] as const) {
      if (!metrics) continue;
      for (const [head, m] of Object.entries(metrics))
        for (const [metric, value] of Object.entries(m)) state.history.push({ epoch, head, split, metric, value });
    }
  }

  onTrainEnd(state: TrainingState): void {
    state.model.history.push(...state.history);
  }
}
