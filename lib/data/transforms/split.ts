import seedrandom from 'seedrandom';
import { derive, shuffleInPlace } from '../../random';
import { type ColumnTable, isColumnTable } from '../aq';
import { DataError, requireColumn } from '../errors';
import { columnArray, takeRows } from '../table';

export interface SplitOptions {
  /** Fractions per part, e.g. { train: 0.8, validation: 0.1, test: 0.1 }; they are normalised to sum to 1. */
  fractions?: Record<string, number>;
  /** Keep each value of this column in the same proportion in every part. */
  stratify?: string;
  /** Seed for this split; default: derived from the session seed (%seed / seed()), so seeded notebooks repeat. */
  seed?: number | string;
}

/**
 * Row positions per part: seeded shuffle (per stratum when stratifying), then consecutive slices sized by
 * largest remainder so every part gets its share. Same rows, seed and fractions give the same split.
 */
export function splitIndices(
  n: number,
  options: SplitOptions & { strata?: ArrayLike<unknown> } = {},
): Record<string, Int32Array> {
  const fractions = options.fractions ?? { train: 0.8, test: 0.2 };
  const names = Object.keys(fractions);
  const total = names.reduce((s, k) => s + fractions[k], 0);
  if (!names.length || !(total > 0) || names.some((k) => !(fractions[k] >= 0))) {
    throw new DataError(
      `split: fractions must be non-negative numbers with a positive sum, got ${JSON.stringify(fractions)}`,
    );
  }
  const rng = options.seed !== undefined ? seedrandom(`split:${options.seed}`) : derive('data.split');
  const groups = new Map<unknown, number[]>();
  for (let i = 0; i < n; i++) {
    const key = options.strata ? options.strata[i] : 0;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const parts: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  // Strata in first-seen order, so the random stream is consumed the same way every time.
  for (const rows of groups.values()) {
    shuffleInPlace(rows, rng);
    const exact = names.map((k) => (rows.length * fractions[k]) / total);
    const sizes = exact.map(Math.floor);
    let left = rows.length - sizes.reduce((a, b) => a + b, 0);
    const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (let o = 0; left > 0; o = (o + 1) % order.length, left--) sizes[order[o][1]]++;
    let at = 0;
    names.forEach((k, i) => {
      parts[k].push(...rows.slice(at, at + sizes[i]));
      at += sizes[i];
    });
  }
  return Object.fromEntries(names.map((k) => [k, Int32Array.from(parts[k].sort((a, b) => a - b))]));
}

/**
 * Splits a table into parts by fraction (default train 0.8 / test 0.2), stratified and seeded. A
 * dataset splits into datasets (their images and info travel with the rows).
 */
export function split<T extends ColumnTable>(table: T, options: SplitOptions = {}): Record<string, T> {
  if (!isColumnTable(table)) throw new DataError('split: expected an arquero table or a Dataset');
  let strata: ArrayLike<unknown> | undefined;
  if (options.stratify) {
    requireColumn(table.columnNames(), options.stratify, 'split (stratify)');
    strata = columnArray(table, options.stratify);
  }
  const parts = splitIndices(table.numRows(), { ...options, strata });
  return Object.fromEntries(Object.entries(parts).map(([k, rows]) => [k, takeRows(table, rows)]));
}
