// arquero and hyparquet are ESM-only. Node >= 20.19 loads ESM through require() synchronously, which
// keeps the data API synchronous (pipeline.apply, toTensors) instead of making every call async.
type Arquero = typeof import('arquero', { with: { 'resolution-mode': 'import' }});

export type ColumnTable = import('arquero', { with: { 'resolution-mode': 'import' }}).ColumnTable;
export const aq: Arquero = require('arquero');

/** True for arquero tables (duck-typed so tables from another arquero copy count too). */
export function isColumnTable(value: unknown): value is ColumnTable {
  const v = value as any;
  return (
    v != null &&
    typeof v === 'object' &&
    typeof v.numRows === 'function' &&
    typeof v.columnNames === 'function' &&
    typeof v.column === 'function' &&
    typeof v.numCols === 'function'
  );
}
