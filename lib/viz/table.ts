// Tables in, rows out: arquero tables, danfo DataFrames and arrays of records all become plain rows.
import { VizError } from './errors';
import type { ColumnTable } from '../data/aq';
import { sampleIndices } from '../random';

export type Row = Record<string, unknown>;
/** A danfo DataFrame as charts read it (its `values` are rows). */
export interface FrameLike {
  readonly columns: readonly string[];
  readonly values: unknown;
}

/** What chart builders accept: a dataset or arquero table, a danfo DataFrame, or an array of records. */
export type TableLike = ColumnTable | FrameLike | readonly Row[];

export function isTableLike(value: unknown): value is TableLike {
  const v = value as any;
  return (
    Array.isArray(v) ||
    (v != null && typeof v.objects === 'function' && typeof v.numRows === 'function') ||
    (v != null && Array.isArray(v.columns) && Array.isArray(v.values))
  );
}

export function columnNames(table: TableLike): string[] {
  const t = table as any;
  if (Array.isArray(t)) return t.length ? Object.keys(t[0]) : [];
  if (typeof t.columnNames === 'function') return t.columnNames();
  return [...t.columns];
}

export function numRows(table: TableLike): number {
  const t = table as any;
  if (Array.isArray(t)) return t.length;
  if (typeof t.numRows === 'function') return t.numRows();
  return t.values.length;
}

/** Rows as plain objects, only the requested columns (all when omitted). */
export function toRows(table: TableLike, columns?: string[]): Row[] {
  const t = table as any;
  let rows: Row[];
  if (Array.isArray(t)) rows = t as Row[];
  else if (typeof t.objects === 'function') rows = t.objects();
  else {
    const names: string[] = t.columns;
    rows = (t.values as unknown[][]).map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
  }
  if (!columns) return rows;
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
}

/** Checks that columns exist, naming the ones that do and suggesting nothing clever. */
export function requireColumns(table: TableLike, columns: (string | undefined)[], what = 'chart'): void {
  const names = columnNames(table);
  for (const c of columns) {
    if (c !== undefined && !names.includes(c))
      throw new VizError(`${what}: no column ${JSON.stringify(c)}; columns are ${names.join(', ')}`);
  }
}

/** A seeded uniform sample of at most `max` rows, with the note a chart shows when it sampled. */
export function sampleRows<T>(rows: readonly T[], max: number, label = 'viz:sample'): { rows: T[]; note?: string } {
  if (rows.length <= max) return { rows: [...rows] };
  const idx = sampleIndices(rows.length, max, label);
  return {
    rows: idx.map((i) => rows[i]),
    note: `showing a seeded random sample of ${fmt(max)} of ${fmt(rows.length)} rows`,
  };
}

/** Rounds floats to 4 significant digits: a chart needs no more, and the notebook payload shrinks. */
export function compact(value: unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value))
    return Number(value.toPrecision(4));
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

export function compactRow(row: Row): Row {
  const out: Row = {};
  for (const k in row) out[k] = compact(row[k]);
  return out;
}

export const fmt = (n: number): string => n.toLocaleString('en-US');
