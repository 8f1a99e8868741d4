// Two hot relational operations with typed-array kernels, chosen over arquero and DuckDB from
// bench/data.ts (see README): group-by aggregation on one key and an equi-join on one key. Anything
// else (several keys, other aggregates) goes to arquero, which these match in results.
import { aq, type ColumnTable } from './aq';
import { DataError, requireColumn } from './errors';
import { columnArray } from './table';

export type Aggregate = 'mean' | 'sum' | 'count' | 'min' | 'max';
const AGGREGATES: Aggregate[] = ['mean', 'sum', 'count', 'min', 'max'];

/** Group ids per row (in first-seen order) and the key value of each group. */
function groupIds(keys: ArrayLike<unknown>): { ids: Int32Array; values: unknown[] } {
  const n = keys.length;
  const ids = new Int32Array(n);
  const dense = ArrayBuffer.isView(keys) ? denseIds(keys as unknown as ArrayLike<number>, ids) : undefined;
  if (dense) return dense;
  const values: unknown[] = [];
  const index = new Map<unknown, number>();
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    let g = index.get(k);
    if (g === undefined) {
      g = values.length;
      index.set(k, g);
      values.push(k);
    }
    ids[i] = g;
  }
  return { ids, values };
}

/** Small non-negative integer keys (the common case: codes, ids) index a lookup array instead of a Map. */
function denseIds(keys: ArrayLike<number>, ids: Int32Array): { ids: Int32Array; values: unknown[] } | undefined {
  let max = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (!(k >= 0 && k <= 1 << 22 && (k | 0) === k)) return undefined;
    if (k > max) max = k;
  }
  const slot = new Int32Array(max + 1).fill(-1);
  const values: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let g = slot[k];
    if (g < 0) {
      g = slot[k] = values.length;
      values.push(k);
    }
    ids[i] = g;
  }
  return { ids, values };
}

/**
 * Groups by one column and aggregates others: `groupby(t, 'key', { x: 'mean', y: 'max' })`.
 * Output columns are named like the inputs (plus `count` for 'count'); groups in first-seen order.
 * Missing values (null, NaN) are skipped, as pandas and arquero do.
 */
export function groupby(table: ColumnTable, by: string, aggregates: Record<string, Aggregate> | string[]): ColumnTable {
  const names = table.columnNames();
  requireColumn(names, by, 'groupby');
  const aggs: Record<string, Aggregate> = Array.isArray(aggregates)
    ? Object.fromEntries(aggregates.map((c) => [c, 'mean' as Aggregate]))
    : aggregates;
  const { ids, values } = groupIds(columnArray(table, by));
  const groups = values.length;
  const out: Record<string, ArrayLike<unknown>> = { [by]: keysColumn(values) };
  for (const [column, agg] of Object.entries(aggs)) {
    requireColumn(names, column, 'groupby');
    if (!AGGREGATES.includes(agg))
      throw new DataError(`groupby: unknown aggregate "${agg}" for "${column}"; one of ${AGGREGATES.join(', ')}`);
    const xs = columnArray(table, column);
    const acc = new Float64Array(groups).fill(agg === 'min' ? Infinity : agg === 'max' ? -Infinity : 0);
    const counts = new Float64Array(groups);
    // Plain arrays may hold null or strings: read them as numbers, with anything else as NaN (skipped).
    const nums: ArrayLike<number> =
      ArrayBuffer.isView(xs) && !(xs instanceof BigInt64Array)
        ? (xs as ArrayLike<number>)
        : Float64Array.from(xs as ArrayLike<unknown>, (v) => (typeof v === 'number' ? v : NaN));
    // One loop per aggregate keeps the inner loop branch-free.
    if (agg === 'sum' || agg === 'mean') {
      for (let i = 0; i < ids.length; i++) {
        const x = nums[i];
        if (x === x) {
          acc[ids[i]] += x;
          counts[ids[i]]++;
        }
      }
    } else if (agg === 'min') {
      for (let i = 0; i < ids.length; i++) {
        const x = nums[i];
        if (x === x) {
          const g = ids[i];
          if (x < acc[g]) acc[g] = x;
          counts[g]++;
        }
      }
    } else if (agg === 'max') {
      for (let i = 0; i < ids.length; i++) {
        const x = nums[i];
        if (x === x) {
          const g = ids[i];
          if (x > acc[g]) acc[g] = x;
          counts[g]++;
        }
      }
    } else {
      for (let i = 0; i < ids.length; i++) {
        const v = xs[i];
        if (v !== null && v !== undefined && v === v) counts[ids[i]]++;
      }
    }
    if (agg === 'mean') for (let g = 0; g < groups; g++) acc[g] = counts[g] ? acc[g] / counts[g] : NaN;
    if (agg === 'min' || agg === 'max') for (let g = 0; g < groups; g++) if (!counts[g]) acc[g] = NaN;
    out[agg === 'count' ? (column === by ? 'count' : `${column}_count`) : column] = agg === 'count' ? counts : acc;
  }
  return aq.table(out);
}

function keysColumn(values: unknown[]): ArrayLike<unknown> {
  return values.every((v) => typeof v === 'number') ? Float64Array.from(values as number[]) : values;
}

/**
 * Equi-join on one column: `join(orders, customers, 'customer_id')`. 'inner' keeps matching rows,
 * 'left' keeps every left row (right columns null where nothing matches). Right-side duplicates of a
 * key produce one output row each, as in SQL. Clashing column names get the suffix `_right`.
 */
export function join(
  left: ColumnTable,
  right: ColumnTable,
  on: string,
  options: { how?: 'inner' | 'left' } = {},
): ColumnTable {
  const how = options.how ?? 'inner';
  requireColumn(left.columnNames(), on, 'join (left table)');
  requireColumn(right.columnNames(), on, 'join (right table)');
  const rk = columnArray(right, on);
  const lk = columnArray(left, on);
  // Right keys: first row per key, then a chain through `next` for duplicates. Small non-negative
  // integer keys use a lookup array; anything else a Map.
  const dense =
    ArrayBuffer.isView(rk) && ArrayBuffer.isView(lk) ? denseFirst(rk as unknown as ArrayLike<number>) : undefined;
  const first = dense ? undefined : new Map<unknown, number>();
  const next = new Int32Array(rk.length).fill(-1);
  const last = new Map<unknown, number>();
  if (dense) {
    const tail = new Int32Array(dense.length).fill(-1);
    for (let j = 0; j < rk.length; j++) {
      const k = rk[j] as number;
      if (tail[k] < 0) dense[k] = j;
      else next[tail[k]] = j;
      tail[k] = j;
    }
  } else {
    for (let j = 0; j < rk.length; j++) {
      const k = rk[j];
      if (k === null || k === undefined || k !== k) continue;
      const t = last.get(k);
      if (t === undefined) first!.set(k, j);
      else next[t] = j;
      last.set(k, j);
    }
  }
  const lookup = dense
    ? (k: unknown) => {
        const x = k as number;
        return x >= 0 && x < dense.length && (x | 0) === x && dense[x] >= 0 ? dense[x] : undefined;
      }
    : (k: unknown) => first!.get(k);
  let li = new Int32Array(lk.length);
  let ri = new Int32Array(lk.length);
  let n = 0;
  const push = (a: number, b: number) => {
    if (n === li.length) {
      const grow = (x: Int32Array) => {
        const y = new Int32Array(x.length * 2);
        y.set(x);
        return y;
      };
      li = grow(li);
      ri = grow(ri);
    }
    li[n] = a;
    ri[n] = b;
    n++;
  };
  for (let i = 0; i < lk.length; i++) {
    let j = lookup(lk[i]);
    if (j === undefined) {
      if (how === 'left') push(i, -1);
      continue;
    }
    for (; j !== -1; j = next[j]) push(i, j);
  }
  const out: Record<string, ArrayLike<unknown>> = {};
  const leftNames = left.columnNames();
  for (const name of leftNames) out[name] = gather(columnArray(left, name), li, n);
  for (const name of right.columnNames()) {
    if (name === on) continue;
    out[leftNames.includes(name) ? `${name}_right` : name] = gather(columnArray(right, name), ri, n);
  }
  return aq.table(out);
}

/** A lookup array for right-side keys when they are all small non-negative integers (filled by the caller). */
function denseFirst(keys: ArrayLike<number>): Int32Array | undefined {
  let max = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (!(k >= 0 && k <= 1 << 22 && (k | 0) === k)) return undefined;
    if (k > max) max = k;
  }
  return new Int32Array(max + 1).fill(-1);
}

/** values[idx[i]] for i < n; -1 gives null (a plain array then, as typed arrays cannot hold null). */
function gather(values: ArrayLike<unknown>, idx: Int32Array, n: number): ArrayLike<unknown> {
  let missing = false;
  for (let i = 0; i < n; i++)
    if (idx[i] < 0) {
      missing = true;
      break;
    }
  if (ArrayBuffer.isView(values) && !missing) {
    const out = new (values.constructor as any)(n);
    for (let i = 0; i < n; i++) out[i] = values[idx[i]];
    return out;
  }
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? null : values[idx[i]];
  return out;
}
