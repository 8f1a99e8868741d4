import type { ColumnTable } from './aq';
import { DataError, requireColumn } from './errors';

/** The rows of `table` at `indices` (positions in the table's current order), as a new table. */
export function takeRows<T extends ColumnTable>(table: T, indices: ArrayLike<number>): T {
  const base = table.isFiltered() || table.isOrdered() ? table.reify() : table;
  return base.reify(Array.from(indices) as any);
}

/** The TypeScript-ish type of a column, from its backing array and a sample of its values. */
export function columnType(table: ColumnTable, name: string): string {
  const col: any = table.column(name);
  const data = col?.data ?? col;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView))
    return data.constructor.name.replace('Array', '').toLowerCase();
  const n = table.numRows();
  let type: string | undefined;
  const values = columnArray(table, name);
  for (let i = 0; i < n && i < 1000; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    const t = v instanceof Date ? 'date' : typeof v;
    if (type === undefined) type = t;
    else if (type !== t) return 'mixed';
  }
  return type ?? 'null';
}

/**
 * A column's values in row order without copying when possible: the backing array itself for an
 * unfiltered, unordered table (arquero's `array()` always copies into a plain Array).
 */
export function columnArray(table: ColumnTable, name: string): ArrayLike<any> {
  const col: any = table.column(name);
  if (col == null) return table.array(name) as any; // lets requireColumn-style errors come from callers
  const plain = !table.isFiltered() && !table.isOrdered();
  if (plain && (Array.isArray(col) || ArrayBuffer.isView(col))) return col as ArrayLike<any>;
  if (plain && typeof col.toArray === 'function') return col.toArray();
  const Ctor = ArrayBuffer.isView(col) ? (col.constructor as any) : Array;
  return table.array(name, Ctor) as any;
}

/**
 * Positions of the rows whose split column (a dataset's `splitColumn`, else `split`) equals `split`;
 * an error names the column and the value when there are none.
 */
export function splitRows(table: ColumnTable, split: string, where: string): Int32Array {
  const column = (table as { splitColumn?: string }).splitColumn ?? 'split';
  requireColumn(table.columnNames(), column, `${where} (split)`);
  const values = columnArray(table, column);
  const keep: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === split) keep.push(i);
  if (!keep.length) throw new DataError(`${where}: no rows with ${column} = "${split}"`);
  return Int32Array.from(keep);
}
