// Scatter plot of two columns; large tables are sampled (seeded) with a visible note, never refused.
import { colorEncoding, inferType } from './fieldtype';
import { withNote } from '../display/vegalite';
import { vlSpec, type VegaLiteSpec } from './spec';
import { compactRow, requireColumns, sampleRows, type TableLike, toRows } from './table';

export interface ChartOptions {
  color?: string;
  title?: string;
  width?: number;
  height?: number;
  /** Most rows sent to the frontend (default 5,000); more are sampled with a note. */
  maxRows?: number;
  /** Extra columns for the tooltip. */
  tooltip?: string[];
}

export const DEFAULT_MAX_ROWS = 5000;

export function scatter(table: TableLike, x: string, y: string, options: ChartOptions = {}): VegaLiteSpec {
  requireColumns(table, [x, y, options.color, ...(options.tooltip ?? [])], 'scatter');
  const columns = [...new Set([x, y, options.color, ...(options.tooltip ?? [])].filter((c): c is string => !!c))];
  const { rows, note } = sampleRows(toRows(table, columns), options.maxRows ?? DEFAULT_MAX_ROWS, 'viz:scatter');
  const values = rows.map(compactRow);
  const color = colorEncoding(values, options.color);
  return vlSpec(
    withNote(
      {
        title: options.title ?? `${y} vs ${x}`,
        width: options.width ?? 400,
        height: options.height ?? 300,
        data: { values },
        params: [{ name: 'zoom', select: 'interval', bind: 'scales' }],
        mark: { type: 'point', filled: true, size: 24, opacity: 0.7 },
        encoding: {
          x: { field: x, type: inferType(values, x), scale: { zero: false } },
          y: { field: y, type: inferType(values, y), scale: { zero: false } },
          ...(color ? { color } : {}),
          tooltip: columns.map((c) => ({ field: c, type: inferType(values, c) })),
        },
      },
      note,
    ),
  );
}
