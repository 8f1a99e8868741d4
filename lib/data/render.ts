// arquero tables, danfo frames and datasets as notebook tables: head and tail of long tables, the
// first and last columns of wide ones, column types, the shape underneath.
import { escapeHtml, type MimeBundle } from '../display/bundle';
import { registerRenderer } from '../display/mime';
import { type Cell, htmlTable, type TableView, textTable } from '../display/table';
import { type ColumnTable, isColumnTable } from './aq';
import { columnType } from './table';

/** A table as the renderer sees it: counts, names, types and random access to cells. */
export interface Grid {
  rows: number;
  columns: string[];
  types: string[];
  cell(row: number, col: number): unknown;
  /** A cell as HTML and text (thumbnails for images), where plain formatting does not suit. */
  rich?: (row: number, col: number) => Cell | undefined;
  index?: (row: number) => unknown;
  kind: string;
  title?: string;
  subtitle?: string;
}

const HEAD = 5;
const TAIL = 5;
const FULL_UP_TO = 20; // tables this short are shown whole
const MAX_COLS = 20;

function shownRows(n: number): (number | null)[] {
  if (n <= FULL_UP_TO) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: HEAD }, (_, i) => i), null, ...Array.from({ length: TAIL }, (_, i) => n - TAIL + i)];
}
function shownCols(n: number): (number | null)[] {
  if (n <= MAX_COLS) return Array.from({ length: n }, (_, i) => i);
  const half = MAX_COLS / 2;
  return [...Array.from({ length: half }, (_, i) => i), null, ...Array.from({ length: half }, (_, i) => n - half + i)];
}

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (v instanceof Date)
    return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString().replace('T00:00:00.000Z', '');
  if (ArrayBuffer.isView(v))
    return `[${Array.from(v as unknown as ArrayLike<number>)
      .slice(0, 5)
      .join(', ')}${(v as any).length > 5 ? ', …' : ''}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
export const shapeText = (g: { rows: number; columns: string[] }) =>
  `${plural(g.rows, 'row')} × ${plural(g.columns.length, 'column')}`;

/** Numbers right-aligned, as a frame prints them. */
const cellOf = (v: unknown): Cell => {
  const text = formatCell(v);
  return typeof v === 'number' || typeof v === 'bigint' ? { html: escapeHtml(text), text, right: true } : text;
};

/** The part of a grid that is shown, as the shared table builder's view. */
export function gridView(g: Grid): TableView {
  const cols = shownCols(g.columns.length);
  return {
    title: g.title,
    subtitle: g.subtitle,
    index: true,
    columns: ['', ...cols.map((c) => (c === null ? '…' : g.columns[c]))],
    types: ['', ...cols.map((c) => (c === null ? '' : g.types[c]))],
    rows: shownRows(g.rows).map((r) =>
      r === null
        ? null
        : [
            String(g.index ? g.index(r) : r),
            ...cols.map((c) => (c === null ? '…' : (g.rich?.(r, c) ?? cellOf(g.cell(r, c))))),
          ],
    ),
    footer: `${g.kind}: ${shapeText(g)}`,
  };
}

export const gridHtml = (g: Grid): string => htmlTable(gridView(g));
export const gridText = (g: Grid): string => textTable(gridView(g));
export const gridBundle = (g: Grid): MimeBundle => ({ 'text/html': gridHtml(g), 'text/plain': gridText(g) });

/** Row positions of the shown rows in a filtered or ordered table's data, mapped once. */
export function shownPositions(table: ColumnTable): (r: number) => number {
  const positions = new Map<number, number>();
  if (table.isFiltered() || table.isOrdered()) {
    const want = new Set(shownRows(table.numRows()).filter((r): r is number => r !== null));
    let i = 0;
    table.scan((row) => {
      if (want.has(i)) positions.set(i, row!);
      i++;
    }, true);
  }
  return (r) => positions.get(r) ?? r;
}

export function arqueroGrid(table: ColumnTable): Grid {
  const columns = table.columnNames();
  // Only the shown rows are touched: positions map through the table's filter/order once.
  const at = shownPositions(table);
  const cols = columns.map((c) => table.column(c) as any);
  return {
    kind: 'arquero table',
    rows: table.numRows(),
    columns,
    types: columns.map((c) => columnType(table, c)),
    cell: (r, c) => (cols[c].at ? cols[c].at(at(r)) : cols[c][at(r)]),
  };
}

export const isDanfo = (v: any): boolean =>
  v != null && typeof v === 'object' && '$dataIncolumnFormat' in v && typeof v.$isSeries === 'boolean';

export function danfoGrid(frame: any): Grid {
  const index: unknown[] = frame.index;
  if (frame.$isSeries) {
    const values: unknown[] = frame.values;
    return {
      kind: 'danfo Series',
      rows: values.length,
      columns: [String(frame.columns?.[0] ?? 'values')],
      types: [String(frame.dtype ?? frame.dtypes?.[0])],
      cell: (r) => values[r],
      index: (r) => index[r],
    };
  }
  const data: unknown[][] = frame.getColumnData;
  return {
    kind: 'danfo DataFrame',
    rows: frame.shape[0],
    columns: frame.columns.map(String),
    types: frame.dtypes.map(String),
    cell: (r, c) => data[c][r],
    index: (r) => index[r],
  };
}

/** Registers the table renderers: called once by lib/data/index.ts (see lib/index.ts's side effects). */
export function registerTableRenderers(): void {
  registerRenderer({
    name: 'arquero table',
    test: isColumnTable,
    render: (t: ColumnTable) => gridBundle(arqueroGrid(t)),
  });
  registerRenderer({ name: 'danfo', test: isDanfo, render: (f: any) => gridBundle(danfoGrid(f)) });
}
