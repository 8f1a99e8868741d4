// arquero and hyparquet are ESM-only. Node >= 20.19 loads ESM through require() synchronously, which
// keeps the data API synchronous (pipeline.apply, toTensors) instead of making every call async.
import type * as Arquero from 'arquero' with { 'resolution-mode': 'import' };
import type { ColumnTable as AqColumnTable } from 'arquero' with { 'resolution-mode': 'import' };

export type ColumnTable = AqColumnTable;
export const aq: typeof Arquero = require('arquero');

/** True for arquero tables (duck-typed so tables from another arquero copy count too). */
export function isColumnTable(value: unknown): value is ColumnTable {
  const v = value as any;
  return v != null && typeof v === 'object' && typeof v.numRows === 'function' && typeof v.columnNames === 'function'
    && typeof v.column === 'function' && typeof v.numCols === 'function';
}
