// Training data for an amalgamation: inputs plus one target per head, from a shipped Dataset, an
// arquero table or plain tensors. Errors name the head and the column it needs.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { isColumnTable } from '../data/aq';
import { Dataset } from '../data/dataset';
import { DataError } from '../data/errors';
import {
  describeExamples,
  type Examples,
  type ExampleTensors,
  isTensorData,
  type TensorData,
  toExamples,
} from '../data/examples';
import { loadInfo } from '../data/loaders/index';
import type { DataSource } from '../model/types';
import type { Amalgamation } from '../model/amalgamation';
import { ModelError } from '../model/errors';

export type { TensorData };
/** One data shape for fit, evaluate, predict and the latent views: a dataset, an arquero table, or tensors. */
export type TrainData = Examples;

export interface DataOptions {
  /** Rows of this split (datasets with a split column; default 'train' for fit, 'test' for evaluate). */
  split?: string;
  /** Feature columns of a table (default: every numeric column but the targets). */
  features?: string[];
  /** Use at most this many rows (evenly spaced, so classes stay mixed). */
  limit?: number;
  /** Who asks, for error messages. */
  where?: string;
}

export interface Resolved {
  x: tf.Tensor;
  /** Target per head (reconstruct heads share x). */
  targets: Record<string, tf.Tensor>;
  /** Target column per head, and class names where categorical. */
  columns: Record<string, string | undefined>;
  classes: Record<string, string[]>;
  n: number;
  /** The feature columns of a table, in the order x holds them. */
  features?: string[];
  dispose(): void;
}

const isDataset = (d: unknown): d is Dataset => d instanceof Dataset;

/** The column a head learns: its `target`, else the dataset's label for a classify head. */
export function targetColumn(model: Amalgamation, head: string, data?: TrainData): string | undefined {
  const h = model.head(head);
  if (h.task === 'reconstruct' || h.task === 'retrieve') return undefined;
  return h.target ?? (isDataset(data) ? data.label : undefined);
}

export function resolveData(
  model: Amalgamation,
  data: TrainData,
  heads: string[],
  options: DataOptions = {},
): Resolved {
  if (!data) throw new ModelError('no training data given');
  const columns: Record<string, string | undefined> = {};
  for (const h of heads) {
    columns[h] = targetColumn(model, h, data);
    if (model.head(h).task !== 'reconstruct' && model.head(h).task !== 'retrieve' && !columns[h]) {
      throw new ModelError(`head "${h}" (${model.head(h).task}) has no target: set heads.${h}.target to a data column`);
    }
  }
  const wanted = [...new Set(Object.values(columns).filter((c): c is string => !!c))];
  // Name the head when its target is missing: the data layer only knows columns.
  const available = isColumnTable(data) ? data.columnNames() : isTensorData(data) ? Object.keys(data.y ?? {}) : [];
  for (const h of heads) {
    const c = columns[h];
    if (c && (isColumnTable(data) || isTensorData(data)) && !available.includes(c))
      throw new ModelError(
        `head "${h}" learns ${isColumnTable(data) ? 'column ' : ''}"${c}", which ${describeExamples(data)} lacks (${isColumnTable(data) ? 'columns' : 'y has'}: ${available.join(', ') || 'nothing'})`,
      );
  }
  let ex: ExampleTensors;
  try {
    ex = toExamples(data, {
      targets: wanted,
      split: options.split,
      features: options.features,
      limit: options.limit,
      inputShape: model.config.input,
      where: options.where,
    });
  } catch (e) {
    throw e instanceof DataError ? new ModelError(e.message) : e;
  }
  const { x, ys, classes, n, features } = ex;
  const targets: Record<string, tf.Tensor> = {};
  for (const h of heads) targets[h] = columns[h] ? ys[columns[h]!] : x;
  for (const h of heads) {
    // A class index beyond the head's outputs would one-hot to a zero row and train on nothing.
    const units = model.head(h).task === 'classify' ? model.outputShape(h).at(-1) : undefined;
    const y = targets[h];
    if (!units || y.rank !== 1 || n === 0) continue;
    const [lo, hi] = tf.tidy(() => [tf.min(y).dataSync()[0], tf.max(y).dataSync()[0]]);
    if (lo < 0 || hi >= units) {
      ex.dispose();
      throw new ModelError(
        `head "${h}" has ${units} classes, but column "${columns[h]}" holds class indices from ${lo} to ${hi}`,
      );
    }
  }
  return { x, targets, columns, classes, n, features, dispose: ex.dispose };
}

/** Where these rows came from, recorded with the model for retraining (undefined for bare tensors). */
export function dataSourceOf(data: TrainData, options: DataOptions, resolved: Resolved): DataSource | undefined {
  const fit = { split: options.split, limit: options.limit, features: resolved.features, rows: resolved.n };
  if (data instanceof Dataset) return { dataset: data.name, options: data.info.options, files: data.files, ...fit };
  const file = isColumnTable(data) ? loadInfo(data)?.file : undefined;
  return file ? { files: [file], ...fit } : undefined;
}

/** sha256 of the inputs and targets: the registry's "hash of the training data". */
export function hashData(r: Resolved): string {
  const h = createHash('sha256');
  const add = (t: tf.Tensor) => {
    h.update(t.shape.join('x'));
    const d = t.dataSync();
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  };
  add(r.x);
  for (const c of [...new Set(Object.values(r.columns).filter(Boolean))].sort())
    add(r.targets[Object.keys(r.columns).find((h) => r.columns[h] === c)!]);
  return h.digest('hex');
}
