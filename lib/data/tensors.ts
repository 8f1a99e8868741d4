import * as tf from '@tensorflow/tfjs';
import { type ColumnTable, isColumnTable } from './aq';
import { Dataset, IMAGE_COLUMN } from './dataset';
import { DataError, requireColumn } from './errors';
import { columnArray, splitRows, takeRows } from './table';

export interface ToTensorsOptions {
  /** Feature columns (tabular). Default: images when the dataset has them, else every numeric column but label/split/targets. */
  features?: string[];
  /** Label column for `y`. Default: the dataset's label; none for a bare table. */
  label?: string | false;
  /** More target columns, returned in `ys` by name (e.g. ['label', 'coarse'] for multi-task heads). */
  targets?: string[];
  /** Reshape x (e.g. [-1, 784]); -1 is inferred. */
  shape?: number[];
  /** One-hot encode categorical targets (depth = number of classes). */
  oneHot?: boolean;
  /** Scale images to [0, 1] by their max pixel value (default true); tabular features are left as they are. */
  normalize?: boolean;
  /** Keep only rows whose split column equals this ('train' / 'test'). */
  split?: string;
  /** Keep only these rows (positions), after `split`. */
  rows?: ArrayLike<number>;
}

export interface Tensors {
  x: tf.Tensor;
  y?: tf.Tensor;
  /** Every target by column name (includes the label). */
  ys: Record<string, tf.Tensor>;
  /** Class names per categorical target, index order (what the one-hot positions mean). */
  classes: Record<string, string[]>;
  /** The feature columns x holds, in order (tables; undefined for images). */
  features?: string[];
  /** Frees x, y and ys. */
  dispose(): void;
}

/** Row positions kept by `split` / `rows`. */
function selectRows(table: ColumnTable, options: ToTensorsOptions): Int32Array | undefined {
  let rows = options.split !== undefined ? splitRows(table, options.split, 'toTensors') : undefined;
  if (options.rows) {
    const picked = Int32Array.from(options.rows as ArrayLike<number>);
    rows = rows ? picked.map((r) => rows![r]) : picked;
  }
  return rows;
}

/** Class indices for a target column: numbers stay (must be whole), strings map through known classes or sorted uniques. */
export function encodeTarget(
  values: ArrayLike<unknown>,
  known?: string[],
): { codes: Int32Array | Float32Array; classes?: string[] } {
  const n = values.length;
  const first = Array.prototype.find.call(values, (v: unknown) => v !== null && v !== undefined);
  if (typeof first === 'number' || typeof first === 'bigint' || typeof first === 'boolean') {
    const out = new Float32Array(n);
    let whole = true;
    for (let i = 0; i < n; i++) {
      const v = Number(values[i]);
      out[i] = v;
      if (!Number.isInteger(v)) whole = false;
    }
    return whole && known ? { codes: Int32Array.from(out), classes: known } : { codes: out };
  }
  const classes = known ?? [...new Set(Array.from(values as ArrayLike<unknown>, String))].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const code = index.get(String(values[i]));
    if (code === undefined)
      throw new DataError(`toTensors: value "${values[i]}" (row ${i}) is not one of the classes ${classes.join(', ')}`);
    codes[i] = code;
  }
  return { codes, classes };
}

/**
 * A table or dataset as tensors: `x` (images scaled to [0, 1], or the feature columns as float32 [n, f])
 * and `y` (the label: class indices, one-hot with `oneHot`, or numbers for regression).
 */
export function toTensors(source: ColumnTable, options: ToTensorsOptions = {}): Tensors {
  if (!isColumnTable(source)) throw new DataError('toTensors: expected an arquero table or a Dataset from loadDataset');
  const dataset = source instanceof Dataset ? source : undefined;
  let table = source;
  const names = table.columnNames();
  const label = options.label === false ? undefined : (options.label ?? dataset?.label);
  const targets = [...new Set([...(label ? [label] : []), ...(options.targets ?? [])])];
  for (const t of targets) requireColumn(names, t, 'toTensors');
  const rows = selectRows(table, options);
  if (rows) table = takeRows(table, rows);
  const n = table.numRows();
  const images = table instanceof Dataset && !options.features ? table.images : undefined;

  const classes: Record<string, string[]> = {};
  let featureColumns: string[] | undefined;
  // tidy frees the intermediates (float casts, reshapes); the returned tensors survive.
  const { x, ys } = tf.tidy(() => {
    let x: tf.Tensor;
    if (images) {
      const scale = options.normalize === false ? 1 : 1 / (images.max ?? 255);
      const data = new Float32Array(images.data.length);
      for (let i = 0; i < data.length; i++) data[i] = images.data[i] * scale;
      x = tf.tensor4d(data, images.shape);
    } else {
      const skip = new Set([...targets, dataset?.splitColumn ?? 'split', IMAGE_COLUMN]);
      const features = options.features ?? names.filter((c) => !skip.has(c) && isNumericColumn(table, c));
      if (features.length === 0)
        throw new DataError(`toTensors: no numeric feature columns (columns: ${names.join(', ')}); pass features`);
      featureColumns = features;
      const data = new Float32Array(n * features.length);
      features.forEach((f, j) => {
        requireColumn(names, f, 'toTensors features');
        const values = columnArray(table, f);
        for (let i = 0; i < n; i++) {
          const v = values[i];
          if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint') {
            throw new DataError(
              `toTensors: column "${f}" row ${i} is ${JSON.stringify(v)}, not a number (encode or impute it first)`,
              { column: f },
            );
          }
          data[i * features.length + j] = Number(v);
        }
      });
      x = tf.tensor2d(data, [n, features.length]);
    }
    if (options.shape) x = x.reshape(options.shape);
    const ys: Record<string, tf.Tensor> = {};
    for (const t of targets) {
      const known = dataset?.categories?.[t] ?? (t === dataset?.label ? dataset?.classes : undefined);
      const { codes, classes: names } = encodeTarget(columnArray(table, t), known);
      if (names) classes[t] = names;
      if (codes instanceof Int32Array) {
        const idx = tf.tensor1d(codes, 'int32');
        ys[t] = options.oneHot ? tf.oneHot(idx, names!.length).toFloat() : idx;
      } else {
        ys[t] = tf.tensor1d(codes, 'float32');
      }
    }
    return { x, ys };
  }) as { x: tf.Tensor; ys: Record<string, tf.Tensor> };
  return {
    x,
    ys,
    classes,
    features: featureColumns,
    y: label ? ys[label] : undefined,
    dispose() {
      tf.dispose([x, ...Object.values(ys)]);
    },
  };
}

function isNumericColumn(table: ColumnTable, name: string): boolean {
  const values = columnArray(table, name);
  if (ArrayBuffer.isView(values)) return true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) return typeof v === 'number' || typeof v === 'boolean';
  }
  return false;
}
