// The multi-task training loop. tfjs-layers' fit has no loss weights and no per-head control, so
// amalgam writes the step: total = Σ weight(head) · loss(head), gradients for the trainable
// variables of what the weighted heads need, one optimizer step per batch.
import * as tf from '@tensorflow/tfjs';
import { currentSignal } from '../interrupt';
import type { Amalgamation } from '../model/amalgamation';
import type { Task } from '../model/config';
import { ModelError } from '../model/errors';
import { derive, shuffleInPlace } from '../random';
import type { HistoryRecord } from '../viz/training';
import { type DataOptions, hashData, resolveData, type Resolved, type TrainData } from './data';
import { checkLoss, DEFAULT_METRIC, headLoss, headMetric } from './losses';
import { Progress } from './progress';
import { learningRate, type Schedule } from './schedule';

export interface FitOptions extends DataOptions {
  epochs?: number;
  batchSize?: number;
  /** Base learning rate (Adam). Default 0.001. */
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

export interface HeadPlan {
  name: string;
  task: Task;
  loss: string;
  weight: number;
  metric?: string;
}

export function plan(model: Amalgamation, options: Pick<FitOptions, 'heads' | 'weights'>): HeadPlan[] {
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

function makeOptimizer(kind: string, lr: number): tf.Optimizer {
  if (kind === 'sgd') return tf.train.sgd(lr);
  if (kind === 'rmsprop') return tf.train.rmsprop(lr);
  if (kind !== 'adam') throw new ModelError(`unknown optimizer "${kind}" (adam, sgd, rmsprop)`);
  return tf.train.adam(lr);
}

/** Losses and metrics of every planned head over a data set, in inference mode. */
export function evaluateResolved(
  model: Amalgamation,
  data: Resolved,
  heads: HeadPlan[],
  batchSize = 256,
): Record<string, Record<string, number>> {
  const names = heads.map((h) => h.name);
  const sums = heads.map(() => ({ loss: 0, metric: 0 }));
  const sub = model.subModel(names);
  for (let i = 0; i < data.n; i += batchSize) {
    const size = Math.min(batchSize, data.n - i);
    const values = tf.tidy(() => {
      const xb = data.x.slice(i, size);
      const out = [sub.predict(xb) as tf.Tensor | tf.Tensor[]].flat();
      return tf
        .stack(
          heads.flatMap((h, j) => {
            const y = data.targets[h.name].slice(i, size);
            const pred = out[j];
            return [headLoss(h.task, h.loss, y, pred), headMetric(h.task, y, pred) ?? tf.scalar(0)];
          }),
        )
        .dataSync();
    });
    heads.forEach((_, j) => {
      sums[j].loss += values[2 * j] * size;
      sums[j].metric += values[2 * j + 1] * size;
    });
  }
  return Object.fromEntries(
    heads.map((h, j) => [
      h.name,
      {
        loss: sums[j].loss / data.n,
        ...(h.metric ? { [h.metric]: sums[j].metric / data.n } : {}),
      },
    ]),
  );
}

const weighted = (plans: HeadPlan[], m: Record<string, Record<string, number>>) =>
  plans.reduce((s, p) => s + p.weight * m[p.name].loss, 0);

/** Rows for validation: a seeded shuffle of the training rows, the last `fraction` held out. */
function holdOut(n: number, fraction: number): { train: Int32Array; val: Int32Array } {
  const rng = derive('validation');
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(idx, rng);
  const nVal = Math.round(n * fraction);
  return { train: idx.slice(0, n - nVal), val: idx.slice(n - nVal) };
}

function subset(r: Resolved, rows: Int32Array): Resolved {
  const idx = tf.tensor1d(rows, 'int32');
  const x = tf.gather(r.x, idx);
  const cache = new Map<tf.Tensor, tf.Tensor>([[r.x, x]]);
  const targets: Record<string, tf.Tensor> = {};
  for (const [h, t] of Object.entries(r.targets)) {
    if (!cache.has(t)) cache.set(t, tf.gather(t, idx));
    targets[h] = cache.get(t)!;
  }
  idx.dispose();
  const owned = [...cache.values()];
  return { x, targets, columns: r.columns, classes: r.classes, n: rows.length, dispose: () => tf.dispose(owned) };
}

/** Weights of these layers, copied (kept) so they can be put back. */
function copyWeights(model: tf.LayersModel): tf.Tensor[] {
  return model.weights.map((w) => tf.keep(w.read().clone()));
}

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

  const all = resolveData(
    model,
    data,
    plans.map((p) => p.name),
    { ...options, split: options.split ?? 'train' },
  );
  let train: Resolved = all;
  let val: Resolved | undefined;
  try {
    if (options.validationData) {
      val = resolveData(
        model,
        options.validationData,
        plans.map((p) => p.name),
        { split: 'test' },
      );
    } else if ((options.validationSplit ?? 0.1) > 0 && all.n >= 10) {
      const { train: tr, val: va } = holdOut(all.n, options.validationSplit ?? 0.1);
      train = subset(all, tr);
      val = subset(all, va);
    }
  } catch (e) {
    all.dispose();
    throw e;
  }
  model.dataHash = hashData(all);
  if (train !== all) all.dispose();

  const trainModel = model.subModel(trained.map((p) => p.name));
  const variables = [...new Set(trainModel.trainableWeights.map((w) => w.read() as tf.Variable))];
  const optimizer = makeOptimizer(options.optimizer ?? 'adam', baseLr);
  const progress = new Progress(options.live ?? true);
  const history: HistoryRecord[] = [];
  const rng = derive('shuffle');
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  let best: { epoch: number; loss: number; weights: tf.Tensor[] } | undefined;
  let stopped: FitResult['stopped'] = 'completed';
  let lr = baseLr,
    stale = 0,
    samples = 0,
    trainSeconds = 0,
    epoch = 0,
    completed = 0;
  let metrics: Record<string, Record<string, number>> = {};

  try {
    for (epoch = 0; epoch < epochs && stopped === 'completed'; epoch++) {
      lr = learningRate(options.schedule, baseLr, epoch, epochs, lr, stale);
      (optimizer as any).learningRate = lr;
      if (options.shuffle ?? true) shuffleInPlace(order, rng);
      const sums = Object.fromEntries(trained.map((p) => [p.name, { loss: 0, metric: 0 }]));
      const epochStart = Date.now();
      let seen = 0;
      for (let i = 0; i < train.n; i += batchSize) {
        if (signal.aborted) {
          stopped = 'interrupted';
          break;
        }
        const size = Math.min(batchSize, train.n - i);
        const values = tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(i, i + size), 'int32');
          const xb = tf.gather(train.x, idx);
          const yb = trained.map((p) =>
            train.targets[p.name] === train.x ? xb : tf.gather(train.targets[p.name], idx),
          );
          let report!: tf.Tensor;
          const { value, grads } = tf.variableGrads(() => {
            const out = [trainModel.apply(xb, { training: true }) as tf.Tensor | tf.Tensor[]].flat();
            const losses = trained.map((p, j) => headLoss(p.task, p.loss, yb[j], out[j]));
            const metricValues = trained.map((p, j) => headMetric(p.task, yb[j], out[j]) ?? tf.scalar(0));
            report = tf.keep(tf.stack([...losses, ...metricValues]));
            return losses.reduce((s, l, j) => s.add(l.mul(trained[j].weight)), tf.scalar(0)) as tf.Scalar;
          }, variables);
          optimizer.applyGradients(grads);
          value.dispose();
          return report;
        });
        const v = values.dataSync();
        values.dispose();
        trained.forEach((p, j) => {
          sums[p.name].loss += v[j] * size;
          sums[p.name].metric += v[trained.length + j] * size;
        });
        seen += size;
        samples += size;
        const elapsed = (Date.now() - epochStart) / 1000;
        const rate = seen / Math.max(elapsed, 1e-3);
        await progress.line({
          epoch: epoch + 1,
          epochs,
          seen,
          total: train.n,
          samplesPerSec: rate,
          etaSec: (train.n - seen) / rate + ((epochs - epoch - 1) * train.n) / rate,
          lr,
          losses: Object.fromEntries(trained.map((p) => [p.name, sums[p.name].loss / seen])),
        });
        await new Promise((r) => setImmediate(r)); // lets an interrupt (and display flushes) in
      }
      trainSeconds += (Date.now() - epochStart) / 1000;
      if (stopped === 'interrupted' || seen === 0) break;
      completed = epoch + 1;
      const trainLogs = Object.fromEntries(
        trained.map((p) => [
          p.name,
          { loss: sums[p.name].loss / seen, ...(p.metric ? { [p.metric]: sums[p.name].metric / seen } : {}) },
        ]),
      );
      const valLogs = val ? evaluateResolved(model, val, plans) : undefined;
      for (const [split, logs] of [
        ['train', trainLogs],
        ['val', valLogs],
      ] as const) {
        if (logs)
          for (const [head, m] of Object.entries(logs))
            for (const [metric, value] of Object.entries(m))
              history.push({ epoch: epoch + 1, head, split, metric, value });
      }
      metrics = valLogs ?? trainLogs;
      const monitored = valLogs ? weighted(trained, valLogs) : weighted(trained, trainLogs);
      if (!best || monitored < best.loss) {
        if (best) tf.dispose(best.weights);
        best = {
          epoch: epoch + 1,
          loss: monitored,
          weights: options.restoreBest === false ? [] : copyWeights(model.model),
        };
        stale = 0;
      } else {
        stale++;
        if (options.patience !== undefined && stale >= options.patience) stopped = 'early-stopping';
      }
      const rate = seen / Math.max((Date.now() - epochStart) / 1000, 1e-3);
      const note = valLogs
        ? `val ${trained.map((p) => `${p.name} ${valLogs[p.name].loss.toFixed(4)}`).join(' · ')}`
        : undefined;
      await progress.line(
        {
          epoch: epoch + 1,
          epochs,
          seen,
          total: train.n,
          samplesPerSec: rate,
          etaSec: ((epochs - epoch - 1) * train.n) / rate,
          lr,
          losses: Object.fromEntries(trained.map((p) => [p.name, trainLogs[p.name].loss])),
          note,
        },
        true,
      );
      await progress.chart(history);
      await options.onEpoch?.(epoch + 1, {
        ...trainLogs,
        ...(valLogs ? Object.fromEntries(Object.entries(valLogs).map(([h, m]) => [`val_${h}`, m])) : {}),
      });
    }
    if (signal.aborted && stopped === 'completed') stopped = 'interrupted';
    // Best weights back in place: after early stopping, an interrupt, or a last epoch that was worse.
    if (
      best?.weights.length &&
      (options.restoreBest ?? true) &&
      (stopped === 'interrupted' || best.epoch !== completed)
    ) {
      model.model.weights.forEach((w, i) => w.write(best!.weights[i]));
      if (val) metrics = evaluateResolved(model, val, plans);
    }
    model.metrics = metrics;
    model.history.push(...history);
    indexRetrieval(model, train);
  } finally {
    if (best) tf.dispose(best.weights);
    optimizer.dispose();
    train.dispose();
    val?.dispose();
  }
  return {
    history,
    epochs: completed,
    bestEpoch: best?.epoch,
    stopped,
    samplesPerSec: samples / Math.max(trainSeconds, 1e-3),
    seconds: (Date.now() - started) / 1000,
    metrics,
  };
}

/** Retrieve heads index (up to 10,000 of) the training rows' representations. */
function indexRetrieval(model: Amalgamation, data: Resolved): void {
  if (model.retrieval.size === 0) return;
  const x = data.x.slice(0, Math.min(data.n, 10_000));
  model.index(x);
  x.dispose();
}
