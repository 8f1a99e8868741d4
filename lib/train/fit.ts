// The training loop: epochs of shuffled batches through one multi-task step (step.ts), with the
// validation rows evaluated after each epoch. Everything else (progress, history, best weights,
// early stopping, schedules, retrieval indexing, the user's hooks) is a callback (callbacks/).
import * as tf from '@tensorflow/tfjs';
import { currentSignal } from '../interrupt';
import type { Amalgamation } from '../model/amalgamation';
import { ModelError } from '../model/errors';
import type { HistoryRecord } from '../model/types';
import { derive, shuffleInPlace } from '../random';
import type { Callback, EpochLogs, HeadMetrics, TrainingState } from './callbacks/base';
import { BestWeights } from './callbacks/best-weights';
import { EarlyStopping } from './callbacks/early-stopping';
import { History } from './callbacks/history';
import { ProgressCallback } from './callbacks/progress';
import { IndexRetrieval } from './callbacks/retrieval';
import { LearningRateScheduler } from './callbacks/schedule';
import { type DataOptions, dataSourceOf, hashData, resolveData, type TrainData } from './data';
import { evaluateResolved } from './evaluate';
import { makeOptimizer, plan, weightedLoss } from './plan';
import type { Schedule } from './schedule';
import { makeStep } from './step';
import { holdOut, subset } from './validation';

export interface FitOptions extends DataOptions {
  epochs?: number;
  batchSize?: number;
  /** Base learning rate. Default 0.001. */
  lr?: number;
  optimizer?: 'adam' | 'sgd' | 'rmsprop';
  schedule?: Schedule;
  /** Loss weight per head, overriding the config's `weight`. A head with weight 0 is not trained. */
  weights?: Record<string, number>;
  /** Only these heads (default: every head with a tensor output and weight > 0). */
  heads?: string[];
  /** Fraction of the training rows held out for validation (default 0.1), or explicit validation data. */
  validationSplit?: number;
  validationData?: TrainData;
  /** Stop after this many epochs without a better validation loss (default: never). */
  patience?: number;
  /** Put back the weights of the best validation epoch when training ends or is interrupted (default true). */
  restoreBest?: boolean;
  /** Live progress line and loss chart in the notebook (default true). */
  live?: boolean;
  shuffle?: boolean;
  signal?: AbortSignal;
  /** More callbacks, called after the built-in ones. */
  callbacks?: Callback[];
  /** Shorthand for a callback's onEpochEnd: train metrics per head, validation ones as `val_<head>`. */
  onEpoch?: (epoch: number, logs: Record<string, Record<string, number>>) => void | Promise<void>;
}

export interface FitResult {
  history: HistoryRecord[];
  epochs: number;
  bestEpoch?: number;
  /** Why training ended. */
  stopped: 'completed' | 'early-stopping' | 'interrupted';
  samplesPerSec: number;
  seconds: number;
  /** Validation metrics per head at the restored (or last) epoch. */
  metrics: Record<string, Record<string, number>>;
}

/** The training rows and the validation rows (held out, or given). */
function splitData(model: Amalgamation, data: TrainData, heads: string[], options: FitOptions) {
  const all = resolveData(model, data, heads, { ...options, split: options.split ?? 'train', where: 'fit' });
  try {
    if (options.validationData) {
      const val = resolveData(model, options.validationData, heads, { split: 'test', where: 'fit (validationData)' });
      return { all, train: all, val };
    }
    const fraction = options.validationSplit ?? 0.1;
    if (fraction > 0 && all.n >= 10) {
      const rows = holdOut(all.n, fraction);
      return { all, train: subset(all, rows.train), val: subset(all, rows.val) };
    }
    return { all, train: all, val: undefined };
  } catch (e) {
    all.dispose();
    throw e;
  }
}

const onEpochCallback = (f: NonNullable<FitOptions['onEpoch']>): Callback => ({
  onEpochEnd: (epoch, logs) =>
    f(epoch, {
      ...logs.train,
      ...(logs.val ? Object.fromEntries(Object.entries(logs.val).map(([h, m]) => [`val_${h}`, m])) : {}),
    }),
});

export async function fit(model: Amalgamation, data: TrainData, options: FitOptions = {}): Promise<FitResult> {
  const started = Date.now();
  const plans = plan(model, options);
  const trained = plans.filter((p) => p.weight > 0);
  if (trained.length === 0)
    throw new ModelError(
      `no head to train: every head has weight 0 or is a retrieve head (heads: ${model.headNames.join(', ')})`,
    );
  const epochs = options.epochs ?? 10;
  const batchSize = options.batchSize ?? 64;
  if (!(Number.isInteger(epochs) && epochs >= 1))
    throw new ModelError(`epochs must be a whole number ≥ 1, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new ModelError(`batch size must be a whole number ≥ 1, got ${batchSize}`);
  const signal = options.signal ?? currentSignal();
  const baseLr = options.lr ?? 1e-3;

  const { all, train, val } = splitData(
    model,
    data,
    plans.map((p) => p.name),
    options,
  );
  model.dataHash = hashData(all);
  model.dataSource = dataSourceOf(data, { split: options.split ?? 'train', limit: options.limit }, all);
  if (train !== all) all.dispose();

  const best = new BestWeights(options.restoreBest ?? true);
  const callbacks: Callback[] = [
    new History(),
    best,
    ...(options.patience !== undefined ? [new EarlyStopping(options.patience)] : []),
    ...(options.schedule ? [new LearningRateScheduler(options.schedule)] : []),
    ...((options.live ?? true) ? [new ProgressCallback()] : []),
    new IndexRetrieval(),
    ...(options.onEpoch ? [onEpochCallback(options.onEpoch)] : []),
    ...(options.callbacks ?? []),
  ];
  const evaluateValidation = (): HeadMetrics | undefined => (val ? evaluateResolved(model, val, plans) : undefined);
  let completed = 0;
  let stopReason: TrainingState['stopReason'];
  const state: TrainingState = {
    model,
    heads: trained,
    epochs,
    samples: train.n,
    train,
    lr: baseLr,
    baseLr,
    history: [],
    metrics: {},
    get completed() {
      return completed;
    },
    get interrupted() {
      return signal.aborted;
    },
    get stopReason() {
      return stopReason;
    },
    stop: (reason) => {
      stopReason = reason;
    },
    evaluateValidation,
  };
  const call = async <K extends keyof Callback>(hook: K, ...args: unknown[]) => {
    for (const c of callbacks) await (c[hook] as ((...a: unknown[]) => unknown) | undefined)?.call(c, ...args, state);
  };

  const optimizer = makeOptimizer(options.optimizer ?? 'adam', baseLr);
  const step = makeStep(model.subModel(trained.map((p) => p.name)), trained, optimizer);
  const rng = derive('shuffle');
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  let samples = 0;
  let trainSeconds = 0;
  try {
    await call('onTrainBegin');
    for (let epoch = 1; epoch <= epochs && !stopReason && !signal.aborted; epoch++) {
      await call('onEpochBegin', epoch);
      (optimizer as unknown as { learningRate: number }).learningRate = state.lr;
      if (options.shuffle ?? true) shuffleInPlace(order, rng);
      const sums = trained.map(() => ({ loss: 0, metric: 0 }));
      const epochStart = Date.now();
      let seen = 0;
      for (let i = 0, batch = 0; i < train.n; i += batchSize, batch++) {
        if (signal.aborted) break;
        const size = Math.min(batchSize, train.n - i);
        const report = tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(i, i + size), 'int32');
          const xb = tf.gather(train.x, idx);
          const yb = trained.map((p) =>
            train.targets[p.name] === train.x ? xb : tf.gather(train.targets[p.name], idx),
          );
          return step(xb, yb);
        });
        const v = report.dataSync();
        report.dispose();
        trained.forEach((_, j) => {
          sums[j].loss += v[j] * size;
          sums[j].metric += v[trained.length + j] * size;
        });
        seen += size;
        samples += size;
        const elapsed = (Date.now() - epochStart) / 1000;
        await call('onBatchEnd', batch, {
          seen,
          total: train.n,
          losses: Object.fromEntries(trained.map((p, j) => [p.name, sums[j].loss / seen])),
          samplesPerSec: seen / Math.max(elapsed, 1e-3),
          elapsed,
        });
        await new Promise((r) => setImmediate(r)); // lets an interrupt (and display flushes) in
      }
      trainSeconds += (Date.now() - epochStart) / 1000;
      if (signal.aborted || seen === 0) break;
      completed = epoch;
      const trainLogs: HeadMetrics = Object.fromEntries(
        trained.map((p, j) => [
          p.name,
          { loss: sums[j].loss / seen, ...(p.metric ? { [p.metric]: sums[j].metric / seen } : {}) },
        ]),
      );
      const valLogs = evaluateValidation();
      state.metrics = valLogs ?? trainLogs;
      const logs: EpochLogs = {
        train: trainLogs,
        val: valLogs,
        monitor: weightedLoss(trained, valLogs ?? trainLogs),
        samplesPerSec: seen / Math.max((Date.now() - epochStart) / 1000, 1e-3),
      };
      await call('onEpochEnd', epoch, logs);
    }
    await call('onTrainEnd');
    // Heads this run did not evaluate keep what the model knew of them (training a new head alone).
    model.metrics = { ...model.metrics, ...state.metrics };
  } finally {
    for (const c of callbacks) c.dispose?.();
    optimizer.dispose();
    train.dispose();
    val?.dispose();
  }
  return {
    history: state.history,
    epochs: completed,
    bestEpoch: best.best?.epoch,
    stopped: signal.aborted ? 'interrupted' : (stopReason ?? 'completed'),
    samplesPerSec: samples / Math.max(trainSeconds, 1e-3),
    seconds: (Date.now() - started) / 1000,
    metrics: state.metrics,
  };
}
