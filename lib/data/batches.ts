import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { derive, shuffleInPlace } from '../random';
import { type ColumnTable, isColumnTable } from './aq';
import { DataError } from './errors';
import { toTensors, type ToTensorsOptions } from './tensors';
import { splitRows } from './table';

export interface BatchOptions extends Omit<ToTensorsOptions, 'rows'> {
  batchSize?: number;
  /** Reshuffle every pass (seeded: from `seed`, else from the session seed). */
  shuffle?: boolean;
  seed?: number | string;
}

/** Row positions the batches cover (after `split`), in order. */
function basePositions(table: ColumnTable, options: BatchOptions): Int32Array {
  if (!isColumnTable(table)) throw new DataError('batches: expected an arquero table or a Dataset');
  if (options.split === undefined) return Int32Array.from({ length: table.numRows() }, (_, i) => i);
  return splitRows(table, options.split, 'batches');
}

/**
 * A tf.data.Dataset of {xs, ys} batches built on demand: only one batch of tensors exists at a time,
 * so data larger than a tensor budget still trains (model.fitDataset disposes each batch after use).
 * With several targets, ys is an object keyed by column name (multi-output models).
 */
export function batches(
  source: ColumnTable,
  options: BatchOptions = {},
): tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor | Record<string, tf.Tensor> }> {
  const size = options.batchSize ?? 32;
  if (!(size >= 1)) throw new DataError(`batches: batchSize must be at least 1, got ${options.batchSize}`);
  const positions = basePositions(source, options);
  const rng = options.seed !== undefined ? seedrandom(`batches:${options.seed}`) : derive('data.batches');
  const { split: _split, batchSize: _b, shuffle: _s, seed: _seed, ...tensorOptions } = options;
  return tf.data.generator(function* () {
    const order = Int32Array.from(positions);
    if (options.shuffle) {
      shuffleInPlace(order, rng);
    }
    for (let start = 0; start < order.length; start += size) {
      const t = toTensors(source, { ...tensorOptions, rows: order.subarray(start, start + size) });
      const names = Object.keys(t.ys);
      yield { xs: t.x, ys: names.length === 1 ? t.ys[names[0]] : t.ys } as any;
    }
  }) as any;
}
