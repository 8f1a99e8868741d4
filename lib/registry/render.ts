// Notebook views of registry results: an HTML table and its text twin for each.
import * as path from 'node:path';
import { htmlTable, textTable } from '../display/table';
import type { Diff, SaveResult, VersionRow } from './types';

const short = (h?: string) => (h ? h.slice(0, 12) : '—');

/** A folder as the user named it: relative to the working directory when inside it. */
const shownPath = (dir: string) => {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
};

/** A table as HTML and text, from the shared table builder (registry views show no index). */
function table(columns: string[], rows: string[][], title?: string): { html: string; text: string } {
  const view = { columns, rows, title, maxTextWidth: 60 };
  return { html: htmlTable(view), text: textTable(view) };
}

const metricText = (m?: Record<string, Record<string, number>>) =>
  Object.entries(m ?? {})
    .map(
      ([h, v]) =>
        `${h} ${
          Object.entries(v)
            .filter(([k]) => k !== 'loss')
            .map(([k, x]) => `${k} ${x.toFixed(3)}`)
            .join(' ') || `loss ${v.loss?.toFixed(3)}`
        }`,
    )
    .join(', ');

export function saveView(r: SaveResult) {
  const t = table(
    ['component', 'kind', 'hash', 'stored'],
    r.components.map((c) => [
      c.name,
      c.kind,
      short(c.hash),
      c.reused ? 'reused (no copy)' : `new, ${(c.bytes / 1024).toFixed(1)} KiB`,
    ]),
    `Saved ${r.name}@${short(r.version)} (tags: ${r.tags.join(', ')}) in ${shownPath(r.registry)}`,
  );
  return t;
}

export function versionsView(rows: VersionRow[] & { name: string }) {
  const t = table(
    ['version', 'tags', 'saved', 'parent', 'params', 'metrics'],
    rows.map((v) => [
      short(v.id),
      v.tags.join(', '),
      v.time.replace('T', ' ').slice(0, 19),
      short(v.parent),
      v.params.toLocaleString('en'),
      metricText(v.metrics),
    ]),
    `${rows.name}: ${rows.length} version${rows.length === 1 ? '' : 's'}`,
  );
  return t;
}

export function diffView(d: Diff) {
  const c = table(
    ['component', 'change', d.a, d.b],
    d.components.map((x) => [x.name, x.change, short(x.a), short(x.b)]),
    `${d.a} → ${d.b}`,
  );
  const cfg = d.config.length
    ? table(
        ['config', d.a, d.b],
        d.config.map((x) => [x.path, JSON.stringify(x.a) ?? '—', JSON.stringify(x.b) ?? '—']),
      )
    : undefined;
  const fmt = (v?: number) => (v === undefined ? '—' : v.toFixed(4));
  const m = d.metrics.length
    ? table(
        ['head', 'metric', d.a, d.b, 'Δ'],
        d.metrics.map((x) => [
          x.head,
          x.metric,
          fmt(x.a),
          fmt(x.b),
          x.delta === undefined ? '—' : (x.delta >= 0 ? '+' : '') + x.delta.toFixed(4),
        ]),
      )
    : undefined;
  return {
    html: `${c.html}${cfg ? cfg.html : '<p>config: identical</p>'}${m ? m.html : ''}`,
    text: [c.text, cfg ? cfg.text : 'config: identical', ...(m ? [m.text] : [])].join('\n\n'),
  };
}
