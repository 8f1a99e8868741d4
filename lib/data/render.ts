import { escapeHtml, type MimeBundle } from '../display/bundle';
import { registerRenderer } from '../display/registry';
import { type ColumnTable, isColumnTable } from './aq';
import { columnType } from './table';

/** A table as the renderer sees it: counts, names, types and random access to cells. */
export interface Grid {
  rows: number;
  columns: string[];
  types: string[];
  cell(row: number, col: number): unknown;
  index?: (row: number) => unknown;
  kind: string;
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

export function gridHtml(g: Grid): string {
  const rows = shownRows(g.rows);
  const cols = shownCols(g.columns.length);
  const th = cols
    .map((c) =>
      c === null
        ? '<th>…</th>'
        : `<th title="${escapeHtml(g.types[c])}">${escapeHtml(g.columns[c])}<br><small style="font-weight:normal;opacity:0.7">${escapeHtml(g.types[c])}</small></th>`,
    )
    .join('');
  const body = rows
    .map((r) => {
      if (r === null) return `<tr><th>…</th>${cols.map(() => '<td>…</td>').join('')}</tr>`;
      const idx = g.index ? g.index(r) : r;
      return `<tr><th>${escapeHtml(String(idx))}</th>${cols.map((c) => (c === null ? '<td>…</td>' : `<td>${escapeHtml(formatCell(g.cell(r, c)))}</td>`)).join('')}</tr>`;
    })
    .join('');
  return (
    `<div class="amalgam-table"><table class="dataframe"><thead><tr><th></th>${th}</tr></thead><tbody>${body}</tbody></table>` +
    `<p><small>${escapeHtml(g.kind)}: ${shapeText(g)}</small></p></div>`
  );
}

export function gridText(g: Grid): string {
  const rows = shownRows(g.rows);
  const cols = shownCols(g.columns.length);
  const header = ['', ...cols.map((c) => (c === null ? '…' : g.columns[c]))];
  const types = ['', ...cols.map((c) => (c === null ? '' : g.types[c]))];
  const lines = rows.map((r) =>
    r === null
      ? ['…', ...cols.map(() => '…')]
      : [String(g.index ? g.index(r) : r), ...cols.map((c) => (c === null ? '…' : formatCell(g.cell(r, c))))],
  );
  const all = [header, types, ...lines];
  const widths = header.map((_, j) => Math.min(24, Math.max(...all.map((l) => l[j].length))));
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + '…' : s).padStart(w);
  return [...all.map((l) => l.map((s, j) => fit(s, widths[j])).join('  ')), `${g.kind}: ${shapeText(g)}`].join('\n');
}

export function gridBundle(g: Grid): MimeBundle {
  return { 'text/html': gridHtml(g), 'text/plain': gridText(g) };
}

export function arqueroGrid(table: ColumnTable): Grid {
  const columns = table.columnNames();
  // Only the shown rows are touched: positions map through the table's filter/order once.
  const positions = new Map<number, number>();
  const shown = shownRows(table.numRows()).filter((r): r is number => r !== null);
  if (table.isFiltered() || table.isOrdered()) {
    const want = new Set(shown);
    let i = 0;
    table.scan((row) => {
      if (want.has(i)) positions.set(i, row!);
      i++;
    }, true);
  }
  const at = (r: number) => positions.get(r) ?? r;
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

registerRenderer({
  name: 'arquero table',
  test: isColumnTable,
  render: (t: ColumnTable) => gridBundle(arqueroGrid(t)),
});
registerRenderer({ name: 'danfo', test: isDanfo, render: (f: any) => gridBundle(danfoGrid(f)) });
