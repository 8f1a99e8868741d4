// What the training loop tells its callbacks, and when (tfjs-layers' base_callbacks.ts as the model):
// onTrainBegin → (onEpochBegin → onBatchEnd × batches → onEpochEnd) × epochs → onTrainEnd, then
// dispose in every case. Progress, history, best weights, early stopping, learning-rate schedules
// and retrieval indexing are all callbacks; users pass their own in `fit(..., { callbacks })`.
import type { Amalgamation } from '../../model/amalgamation';
import type { HistoryRecord } from '../../model/types';
import type { Resolved } from '../data';
import type { HeadPlan } from '../plan';

/** Loss and metrics per head: `{ label: { loss: 0.41, acc: 0.86 } }`. */
export type HeadMetrics = Record<string, Record<string, number>>;

export interface BatchLogs {
  /** Rows seen so far this epoch, of `total`. */
  seen: number;
  total: number;
  /** Running mean loss per trained head this epoch. */
  losses: Record<string, number>;
  samplesPerSec: number;
  /** Seconds since the epoch began. */
  elapsed: number;
}

export interface EpochLogs {
  train: HeadMetrics;
  val?: HeadMetrics;
  /** What early stopping, best weights and plateau schedules watch: Σ weight · loss, on validation when there is some. */
  monitor: number;
  samplesPerSec: number;
}

/** The run as callbacks see it; they may change `lr`, call `stop`, and set `metrics`. */
export interface TrainingState {
  readonly model: Amalgamation;
  /** The heads trained (weight > 0), in output order. */
  readonly heads: HeadPlan[];
  readonly epochs: number;
  /** Rows trained on per epoch. */
  readonly samples: number;
  readonly train: Resolved;
  /** The learning rate of the current epoch; a schedule sets it in onEpochBegin. */
  lr: number;
  readonly baseLr: number;
  /** Every epoch's records so far (the History callback fills it). */
  readonly history: HistoryRecord[];
  /** The run's result metrics: validation (else training) metrics of the last epoch, or of the restored one. */
  metrics: HeadMetrics;
  /** Epochs completed. */
  readonly completed: number;
  readonly interrupted: boolean;
  /** Set by stop(): why training ends early. */
  readonly stopReason?: 'early-stopping';
  stop(reason: 'early-stopping'): void;
  /** Metrics of the validation rows now (undefined without validation data). */
  evaluateValidation(): HeadMetrics | undefined;
}

export interface Callback {
  onTrainBegin?(state: TrainingState): void | Promise<void>;
  /** `epoch` counts from 1. */
  onEpochBegin?(epoch: number, state: TrainingState): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLogs, state: TrainingState): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, state: TrainingState): void | Promise<void>;
  /** After the last epoch, an early stop or an interrupt (not after an error). */
  onTrainEnd?(state: TrainingState): void | Promise<void>;
  /** Frees what the callback holds (tensors): always called, errors included. */
  dispose?(): void;
}
