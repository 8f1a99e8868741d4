// One data shape for everything that feeds a model (fit, evaluate, predict, the latent views,
// serving feedback): a dataset, an arquero table, or tensors `{ x, y: { target: values } }`.
// This turns any of them into an input tensor of the model's shape plus the asked targets.
import * as tf from '@tensorflow/tfjs';
import { type ColumnTable, isColumnTable } from './aq';
import { Dataset } from './dataset';
import { DataError } from './errors';
import { toTensors } from './tensors';

/** Tensors given directly: `y` maps a target column name to its values (class indices, 0/1 rows or numbers). */
export interface TensorData {
  x: tf.Tensor;
  y?: Record<string, tf.Tensor | ArrayLike<number>>;
}

/** A dataset (loadDataset), an arquero table, or `{ x, y }` tensors. */
export type Examples = Dataset | ColumnTable | TensorData;

export interface ExamplesOptions {
  /** Target columns to return (by column name). */
  targets?: string[];
  /** Rows of this split, when the data has a split column. */
  split?: string;
  /** Feature columns of a table (default: every numeric column but the targets). */
  features?: string[];
  /** Use at most this many rows (evenly spaced, so classes stay mixed). */
  limit?: number;
  /** The shape of one example the model takes: flat rows are reshaped to it, others refused. */
  inputShape?: number[];
  /** Who asks, for error messages (`predict`, `fit`, `latent`, ...). */
  where?: string;
}

export interface ExampleTensors {
  x: tf.Tensor;
  /** Targets by column name. */
  ys: Record<string, tf.Tensor>;
  /** Class names per categorical target. */
  classes: Record<string, string[]>;
  /** The feature columns of a table, in the order x holds them. */
  features?: string[];
  n: number;
  dispose(): void;
}

export const isTensorData = (d: unknown): d is TensorData => d != null && (d as TensorData).x instanceof tf.Tensor;

/** True for anything `toExamples` takes. */
export const isExamples = (d: unknown): d is Examples => isTensorData(d) || isColumnTable(d);

/** What the data is, for messages: "dataset fashion-mnist", "the table", "{x, y}". */
export function describeExamples(d: Examples): string {
  return d instanceof Dataset ? `dataset ${d.name}` : isColumnTable(d) ? 'the table' : '{x, y}';
}

export function toExamples(data: Examples, options: ExamplesOptions = {}): ExampleTensors {
  const where = options.where ?? 'data';
  const wanted = options.targets ?? [];
  let x: tf.Tensor;
  let ys: Record<string, tf.Tensor> = {};
  let classes: Record<string, string[]> = {};
  let features: string[] | undefined;
  if (isTensorData(data)) {
    for (const c of wanted)
      if (data.y?.[c] === undefined)
        throw new DataError(
          `${where}: the data has no target "${c}" (y has ${Object.keys(data.y ?? {}).join(', ') || 'nothing'})`,
          { column: c },
        );
    x = data.x.clone();
    for (const c of wanted) {
      const v = data.y![c];
      ys[c] = v instanceof tf.Tensor ? v.clone() : tf.tensor(Array.from(v as ArrayLike<number>));
    }
  } else if (isColumnTable(data)) {
    const split = data instanceof Dataset && data.splitColumn ? options.split : undefined;
    const t = toTensors(data, { label: false, targets: wanted, features: options.features, split });
    x = t.x;
    ys = t.ys;
    classes = t.classes;
    features = t.features;
  } else {
    throw new DataError(
      `${where}: expected a dataset (loadDataset), an arquero table or {x, y} tensors, got ${describeValue(data)}`,
    );
  }
  const owned = () => [x, ...Object.values(ys)];
  const expected = options.inputShape;
  if (expected) {
    if (x.rank === 2 && expected.length > 1 && x.shape[1] === expected.reduce((a, b) => a * b, 1)) {
      const flat = x;
      x = flat.reshape([-1, ...expected]);
      flat.dispose();
    }
    if (x.rank !== expected.length + 1 || expected.some((d, i) => x.shape[i + 1] !== d)) {
      const shape = x.shape;
      tf.dispose(owned());
      throw new DataError(
        `${where}: the data's inputs have shape [${shape.slice(1).join(', ')}] per example; the model expects [${expected.join(', ')}]`,
      );
    }
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
    if (y.shape[0] !== n) {
      tf.dispose(owned());
      throw new DataError(`${where}: target "${c}" has ${y.shape[0]} rows, the inputs ${n}`, { column: c });
    }
  const all = owned();
  return { x, ys, classes, features, n, dispose: () => tf.dispose(all) };
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object with ${Object.keys(v).slice(0, 6).join(', ') || 'no keys'}`;
  return typeof v;
}
