// One table builder for every display: the same rows as an HTML table and as aligned text, so a
// frontend that shows only text/plain (a terminal, a log) reads the same thing.
import { escapeHtml, type MimeBundle } from './bundle';

/** A cell: text (escaped in HTML), a number (right-aligned), or HTML with its text twin. */
export type Cell = string | number | { html: string; text: string; right?: boolean };

const right = (c: Cell) => typeof c === 'number' || (typeof c === 'object' && !!c.right);

export interface TableView {
  /** A bold line above the table. */
  title?: string;
  /** A small line under the title (a description). */
  subtitle?: string;
  /** HTML between the title and the table (a diagram). */
  figure?: string;
  columns: string[];
  /** A small second header line (column types). */
  types?: string[];
  /** `null` is an elision row ("…" in every column). */
  rows: (Cell[] | null)[];
  /** The first column is a row header (an index). */
  index?: boolean;
  /** A small line under the table ("150 rows × 5 columns"). */
  footer?: string;
  /** Text cells longer than this are cut with "…" in text/plain (default 24). */
  maxTextWidth?: number;
}

const textOf = (c: Cell) => (typeof c === 'object' ? c.text : String(c));
const htmlOf = (c: Cell) => (typeof c === 'object' ? c.html : escapeHtml(String(c)));

export function htmlTable(t: TableView): string {
  const th = t.columns.map((c, i) => {
    const type = t.types?.[i];
    return type
      ? `<th title="${escapeHtml(type)}">${escapeHtml(c)}<br><small style="font-weight:normal;opacity:0.7">${escapeHtml(type)}</small></th>`
      : `<th>${escapeHtml(c)}</th>`;
  });
  const body = t.rows.map((r) => {
    const cells = r ?? t.columns.map(() => '…');
    return `<tr>${cells
      .map((c, i) => {
        const tag = i === 0 && t.index ? 'th' : 'td';
        const align = right(c) ? ' style="text-align:right"' : '';
        return `<${tag}${align}>${htmlOf(c)}</${tag}>`;
      })
      .join('')}</tr>`;
  });
  return (
    `<div class="amalgam-table">${t.title ? `<p><b>${escapeHtml(t.title)}</b>${t.subtitle ? `<br><small>${escapeHtml(t.subtitle)}</small>` : ''}</p>` : ''}` +
    (t.figure ? `<div>${t.figure}</div>` : '') +
    `<table class="dataframe"><thead><tr>${th.join('')}</tr></thead><tbody>${body.join('')}</tbody></table>` +
    `${t.footer ? `<p><small>${escapeHtml(t.footer)}</small></p>` : ''}</div>`
  );
}

export function textTable(t: TableView): string {
  const max = t.maxTextWidth ?? 24;
  const rows = t.rows.map((r) => r ?? t.columns.map(() => '…' as Cell));
  const header = [t.columns, ...(t.types ? [t.types] : [])];
  const width = t.columns.map((_, j) =>
    Math.min(max, Math.max(...[...header, ...rows.map((r) => r.map(textOf))].map((l) => String(l[j] ?? '').length))),
  );
  const fit = (s: string, w: number, right: boolean) => {
    const cut = s.length > w ? `${s.slice(0, w - 1)}…` : s;
    return right ? cut.padStart(w) : cut.padEnd(w);
  };
  const line = (cells: Cell[]) =>
    cells
      .map((c, j) => fit(textOf(c), width[j], right(c)))
      .join('  ')
      .trimEnd();
  return [
    ...(t.title ? [t.title] : []),
    ...(t.subtitle ? [t.subtitle] : []),
    ...header.map(line),
    ...rows.map(line),
    ...(t.footer ? [t.footer] : []),
  ].join('\n');
}

export function tableBundle(t: TableView): MimeBundle {
  return { 'text/html': htmlTable(t), 'text/plain': textTable(t) };
}
