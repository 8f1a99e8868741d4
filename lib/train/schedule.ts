// Learning-rate schedules: plain objects (so a training run's config stays JSON) or a function.
export type Schedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; factor?: number }
  | { kind: 'exponential'; rate: number }
  | { kind: 'cosine'; min?: number }
  /** Multiply by `factor` when validation loss has not improved for `patience` epochs. */
  | { kind: 'plateau'; patience?: number; factor?: number }
  | ((epoch: number, lr: number) => number);

/** The learning rate for `epoch` (0-based). `stale` counts epochs without validation improvement. */
export function learningRate(
  schedule: Schedule | undefined,
  base: number,
  epoch: number,
  epochs: number,
  current: number,
  stale: number,
): number {
  if (!schedule) return base;
  if (typeof schedule === 'function') return schedule(epoch, current);
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * (schedule.factor ?? 0.1) ** Math.floor(epoch / schedule.every);
    case 'exponential':
      return base * schedule.rate ** epoch;
    case 'cosine': {
      const min = schedule.min ?? 0;
      return min + (base - min) * 0.5 * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)));
    }
    case 'plateau':
      return stale > 0 && stale % (schedule.patience ?? 2) === 0 ? current * (schedule.factor ?? 0.5) : current;
  }
}
