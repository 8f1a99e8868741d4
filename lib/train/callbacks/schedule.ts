// Sets each epoch's learning rate from a schedule; plateau schedules count epochs without improvement.
import { learningRate, type Schedule } from '../schedule';
import type { Callback, EpochLogs, TrainingState } from './base';

export class LearningRateScheduler implements Callback {
  private best = Infinity;
  private stale = 0;

  constructor(private readonly schedule: Schedule) {}

  onEpochBegin(epoch: number, state: TrainingState): void {
    state.lr = learningRate(this.schedule, state.baseLr, epoch - 1, state.epochs, state.lr, this.stale);
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    if (logs.monitor < this.best) {
      this.best = logs.monitor;
      this.stale = 0;
    } else this.stale++;
  }
}
