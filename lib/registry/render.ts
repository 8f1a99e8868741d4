// Notebook views of registry results: an HTML table and its text twin for each.
import { escapeHtml } from '../display/bundle';
import type { Diff, SaveResult, VersionRow } from './types';

const short = (h?: string) => (h ? h.slice(0, 12) : '—');

function table(headers: string[], rows: string[][]): { html: string; text: string } {
  const html = `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return { html, text: [line(headers), ...rows.map(line)].join('\n') };
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
  );
  const title = `Saved ${r.name}@${short(r.version)} (tags: ${r.tags.join(', ')}) in ${r.registry}`;
  return { html: `<b>${escapeHtml(title)}</b>${t.html}`, text: `${title}\n${t.text}` };
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
  );
  const title = `${rows.name}: ${rows.length} version${rows.length === 1 ? '' : 's'}`;
  return { html: `<b>${escapeHtml(title)}</b>${t.html}`, text: `${title}\n${t.text}` };
}

export function diffView(d: Diff) {
  const c = table(
    ['component', 'change', d.a, d.b],
    d.components.map((x) => [x.name, x.change, short(x.a), short(x.b)]),
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
  const title = `${d.a} → ${d.b}`;
  return {
    html: `<b>${escapeHtml(title)}</b>${c.html}${cfg ? cfg.html : '<p>config: identical</p>'}${m ? m.html : ''}`,
    text: [title, c.text, cfg ? cfg.text : 'config: identical', ...(m ? [m.text] : [])].join('\n\n'),
  };
}
