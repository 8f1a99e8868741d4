// Stops after `patience` epochs without a lower monitored loss.
import type { Callback, EpochLogs, TrainingState } from './base';

export class EarlyStopping implements Callback {
  private best = Infinity;
  private wait = 0;

  constructor(private readonly patience: number) {}

  onEpochEnd(_epoch: number, logs: EpochLogs, state: TrainingState): void {
    if (logs.monitor < this.best) {
      this.best = logs.monitor;
      this.wait = 0;
    } else if (++this.wait >= this.patience) state.stop('early-stopping');
  }
}
