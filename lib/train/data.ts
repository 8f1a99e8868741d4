// Training data for an amalgamation: inputs plus one target per head, from a shipped Dataset, an
// arquero table or plain tensors. Errors name the head and the column it needs.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { isColumnTable } from '../data/aq';
import type { Dataset } from '../data/datasets';
import { toTensors } from '../data/tensors';
import type { Amalgamation } from '../model/amalgamation';
import { ModelError } from '../model/errors';

/** Tensors given directly: `y` maps a target column name to its values (class indices, 0/1 rows or numbers). */
export interface TensorData {
  x: tf.Tensor;
  y?: Record<string, tf.Tensor | ArrayLike<number>>;
}
export type TrainData = Dataset | TensorData | import('../data/aq').ColumnTable;

export interface DataOptions {
  /** Rows of this split (datasets with a split column; default 'train' for fit, 'test' for evaluate). */
  split?: string;
  /** Feature columns of a table (default: every numeric column but the targets). */
  features?: string[];
  /** Use at most this many rows (evenly spaced, so classes stay mixed). */
  limit?: number;
}

export interface Resolved {
  x: tf.Tensor;
  /** Target per head (reconstruct heads share x). */
  targets: Record<string, tf.Tensor>;
  /** Target column per head, and class names where categorical. */
  columns: Record<string, string | undefined>;
  classes: Record<string, string[]>;
  n: number;
  dispose(): void;
}

const isDataset = (d: any): d is Dataset => d && isColumnTable(d.table) && typeof d.name === 'string';
const isTensorData = (d: any): d is TensorData => d && d.x instanceof tf.Tensor;

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
  let x: tf.Tensor;
  let ys: Record<string, tf.Tensor> = {};
  let classes: Record<string, string[]> = {};
  if (isTensorData(data)) {
    x = data.x.clone();
    for (const c of wanted) {
      const v = data.y?.[c];
      if (v === undefined)
        throw new ModelError(
          `head "${heads.find((h) => columns[h] === c)}" learns "${c}": the data has no such target (y has ${Object.keys(data.y ?? {}).join(', ') || 'nothing'})`,
        );
      ys[c] = v instanceof tf.Tensor ? v.clone() : tf.tensor(Array.from(v as ArrayLike<number>));
    }
  } else if (isDataset(data) || isColumnTable(data)) {
    const table = isDataset(data) ? data.table : data;
    const names = table.columnNames();
    for (const h of heads) {
      const c = columns[h];
      if (c && !names.includes(c))
        throw new ModelError(
          `head "${h}" learns column "${c}", which ${isDataset(data) ? `dataset ${data.name}` : 'the table'} lacks (columns: ${names.join(', ')})`,
        );
    }
    const hasSplit = isDataset(data) && data.splitColumn && names.includes(data.splitColumn);
    const split = options.split ?? undefined;
    const t = toTensors(data as any, {
      label: false,
      targets: wanted,
      features: options.features,
      split: hasSplit ? split : undefined,
    });
    x = t.x;
    ys = t.ys;
    classes = t.classes;
  } else {
    throw new ModelError('training data must be a dataset (loadDataset), an arquero table or {x, y}');
  }
  const expected = model.config.input;
  if (x.rank === 2 && expected.length > 1 && x.shape[1] === expected.reduce((a, b) => a * b, 1))
    x = reshapeOwned(x, [-1, ...expected]);
  if (x.rank !== expected.length + 1 || expected.some((d, i) => x.shape[i + 1] !== d)) {
    const shape = x.shape;
    tf.dispose([x, ...Object.values(ys)]);
    throw new ModelError(
      `the data's inputs have shape [${shape.slice(1).join(', ')}] per example; the model expects [${expected.join(', ')}]`,
    );
  }
  if (options.limit && options.limit < x.shape[0]) {
    const step = x.shape[0] / options.limit;
    const idx = tf.tensor1d(
      Array.from({ length: options.limit }, (_, i) => Math.floor(i * step)),
      'int32',
    );
    const take = (t: tf.Tensor) => {
      const r = tf.gather(t, idx);
      t.dispose();
      return r;
    };
    x = take(x);
    for (const c of Object.keys(ys)) ys[c] = take(ys[c]);
    idx.dispose();
  }
  const n = x.shape[0];
  for (const [c, y] of Object.entries(ys))
    if (y.shape[0] !== n) throw new ModelError(`target "${c}" has ${y.shape[0]} rows, the inputs ${n}`);
  const targets: Record<string, tf.Tensor> = {};
  for (const h of heads) targets[h] = columns[h] ? ys[columns[h]!] : x;
  const owned = [x, ...Object.values(ys)];
  for (const h of heads) {
    // A class index beyond the head's outputs would one-hot to a zero row and train on nothing.
    const units = model.head(h).task === 'classify' ? model.outputShape(h).at(-1) : undefined;
    const y = targets[h];
    if (!units || y.rank !== 1 || n === 0) continue;
    const [lo, hi] = tf.tidy(() => [tf.min(y).dataSync()[0], tf.max(y).dataSync()[0]]);
    if (lo < 0 || hi >= units) {
      tf.dispose(owned);
      throw new ModelError(
        `head "${h}" has ${units} classes, but column "${columns[h]}" holds class indices from ${lo} to ${hi}`,
      );
    }
  }
  return { x, targets, columns, classes, n, dispose: () => tf.dispose(owned) };
}

function reshapeOwned(t: tf.Tensor, shape: number[]): tf.Tensor {
  const r = t.reshape(shape);
  t.dispose();
  return r;
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
