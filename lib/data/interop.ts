// danfo <-> arquero. Both directions hand over whole column arrays: danfo keeps a column-major copy
// of its data (getColumnData), arquero takes column arrays as they are. danfo itself stores rows, so
// building a DataFrame transposes once inside danfo; no row objects are created here.
import { aq, type ColumnTable } from './aq';
import { DataError } from './errors';
import { isDanfo } from './render';
import { columnArray } from './table';

type Danfo = typeof import('danfojs-node');
let danfoModule: Danfo | undefined;
const danfo = (): Danfo => (danfoModule ??= require('danfojs-node'));

/** A danfo DataFrame (or Series) as an arquero table; the index is dropped unless `index` names a column for it. */
export function fromDanfo(frame: any, options: { index?: string } = {}): ColumnTable {
  if (!isDanfo(frame)) throw new DataError('fromDanfo: expected a danfo DataFrame or Series');
  const columns: Record<string, ArrayLike<unknown>> = {};
  if (options.index) columns[options.index] = frame.index;
  if (frame.$isSeries) {
    columns[String(frame.columns?.[0] ?? 'values')] = frame.values;
  } else {
    const data: unknown[][] = frame.getColumnData;
    (frame.columns as string[]).forEach((name, i) => {
      columns[String(name)] = data[i];
    });
  }
  return aq.table(columns);
}

/** An arquero table as a danfo DataFrame (typed arrays become plain arrays: danfo needs them). */
export function toDanfo(table: ColumnTable): any {
  const d = danfo();
  const data: Record<string, unknown[]> = {};
  for (const name of table.columnNames()) {
    const col = columnArray(table, name);
    data[name] = Array.isArray(col) ? col : Array.from(col);
  }
  return new d.DataFrame(data, { columns: table.columnNames() });
}
