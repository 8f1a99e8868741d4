// Line chart of y over x (one line per colour group); long series are thinned evenly with a note.
import { colorEncoding, inferType } from './fieldtype';
import { type ChartOptions, DEFAULT_MAX_ROWS } from './scatter';
import { withNote } from '../display/vegalite';
import { vlSpec, type VegaLiteSpec } from './spec';
import { compactRow, fmt, requireColumns, type Row, type TableLike, toRows } from './table';

export function line(table: TableLike, x: string, y: string, options: ChartOptions = {}): VegaLiteSpec {
  requireColumns(table, [x, y, options.color], 'line');
  const columns = [x, y, options.color].filter((c): c is string => !!c);
  let rows: Row[] = toRows(table, [...new Set(columns)]);
  const max = options.maxRows ?? DEFAULT_MAX_ROWS;
  let note: string | undefined;
  if (rows.length > max) {
    // Even stride keeps a line's shape; a random sample would make it jagged.
    const stride = Math.ceil(rows.length / max);
    note = `showing every ${stride}th of ${fmt(rows.length)} rows`;
    rows = rows.filter((_, i) => i % stride === 0);
  }
  const values = rows.map(compactRow);
  const color = colorEncoding(values, options.color);
  return vlSpec(
    withNote(
      {
        title: options.title ?? `${y} over ${x}`,
        width: options.width ?? 450,
        height: options.height ?? 250,
        data: { values },
        mark: { type: 'line', tooltip: true },
        encoding: {
          x: { field: x, type: inferType(values, x) },
          y: { field: y, type: inferType(values, y), scale: { zero: false } },
          ...(color ? { color } : {}),
        },
      },
      note,
    ),
  );
}
