import * as fs from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import MarkdownIt from 'markdown-it';
import { escapeHtml } from '../../lib/display/bundle';
import type { Cell, Notebook } from './notebook';

/** Vega-Lite mime types a chart may carry (the kernel sends v5). */
const VEGALITE = /^application\/vnd\.vegalite\.v\d+\+json$/;

const md = new MarkdownIt({ html: true, linkify: true });

const text = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));
// Tracebacks and progress lines carry terminal colours and carriage returns: plain text in a page.
const plain = (s: string): string =>
  stripVTControlCharacters(s)
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1))
    .join('\n');

/** `</script` inside inlined code or JSON would end the script element early. */
const scriptSafe = (s: string): string => s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

function library(name: string, file: string): string {
  // From the package's folder: the export maps do not list the browser builds.
  const entry = require.resolve(name);
  const root = entry.slice(0, entry.lastIndexOf(`${path.sep}${name}${path.sep}`) + name.length + 1);
  return fs.readFileSync(path.join(root, 'build', file), 'utf8');
}

interface Page {
  charts: unknown[];
}

/** One output, as the richest representation a page can show; a chart gets its interactive view and its PNG. */
function renderOutput(o: Record<string, any>, page: Page): string {
  if (o.output_type === 'stream')
    return `<pre class="output stream ${o.name === 'stderr' ? 'stderr' : ''}">${escapeHtml(plain(text(o.text)))}</pre>`;
  if (o.output_type === 'error')
    return `<pre class="output error">${escapeHtml(plain((o.traceback ?? [`${o.ename}: ${o.evalue}`]).join('\n')))}</pre>`;
  const data: Record<string, unknown> = o.data ?? {};
  const chartMime = Object.keys(data).find((m) => VEGALITE.test(m));
  const png = data['image/png'] ? `data:image/png;base64,${text(data['image/png']).replace(/\s/g, '')}` : undefined;
  if (chartMime) {
    const index = page.charts.push(data[chartMime]) - 1;
    return [
      '<figure class="output chart">',
      `<div class="vega-chart" data-chart="${index}"></div>`,
      png ? `<img class="chart-png" alt="${escapeHtml(text(data['text/plain']))}" src="${png}">` : '',
      `<figcaption>${escapeHtml(text(data['text/plain']))}</figcaption>`,
      '</figure>',
    ].join('');
  }
  if (data['text/html'] !== undefined) return `<div class="output html">${text(data['text/html'])}</div>`;
  if (data['image/svg+xml'] !== undefined) return `<div class="output image">${text(data['image/svg+xml'])}</div>`;
  if (png) return `<div class="output image"><img src="${png}" alt="${escapeHtml(text(data['text/plain']))}"></div>`;
  if (data['image/jpeg'] !== undefined)
    return `<div class="output image"><img src="data:image/jpeg;base64,${text(data['image/jpeg'])}"></div>`;
  if (data['text/markdown'] !== undefined)
    return `<div class="output markdown">${md.render(text(data['text/markdown']))}</div>`;
  if (data['application/json'] !== undefined)
    return `<pre class="output json">${escapeHtml(JSON.stringify(data['application/json'], null, 2))}</pre>`;
  if (data['text/plain'] !== undefined)
    return `<pre class="output">${escapeHtml(plain(text(data['text/plain'])))}</pre>`;
  return '';
}

function renderCell(cell: Cell, page: Page): string {
  if (cell.cell_type === 'markdown') {
    // Images pasted into a markdown cell live in its attachments (`![](attachment:plot.png)`).
    const attachments = (cell.attachments ?? {}) as Record<string, Record<string, unknown>>;
    const source = text(cell.source).replace(/attachment:([^\s)"']+)/g, (whole, name: string) => {
      const [mime, data] = Object.entries(attachments[name] ?? {})[0] ?? [];
      return mime ? `data:${mime};base64,${text(data)}` : whole;
    });
    return `<section class="cell markdown">${md.render(source)}</section>`;
  }
  if (cell.cell_type === 'raw')
    return `<section class="cell raw"><pre>${escapeHtml(text(cell.source))}</pre></section>`;
  const count = cell.execution_count ?? ' ';
  const outputs = (cell.outputs ?? []).map((o) => renderOutput(o, page)).join('\n');
  return [
    `<section class="cell code">`,
    `<div class="input"><span class="prompt">In [${count}]:</span><pre><code class="language-typescript">${escapeHtml(text(cell.source))}</code></pre></div>`,
    outputs ? `<div class="outputs">${outputs}</div>` : '',
    '</section>',
  ].join('\n');
}

const STYLE = `
body { font-family: "DejaVu Sans", system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #1f2328; line-height: 1.5; }
pre, code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 13px; }
.cell { margin: 1.2em 0; }
.input { display: flex; gap: .6em; }
.input pre { flex: 1; margin: 0; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: .6em; overflow-x: auto; }
.prompt { color: #57606a; font-family: monospace; font-size: 12px; min-width: 5.5em; padding-top: .7em; text-align: right; }
.outputs { margin-left: 6.1em; }
.output { margin: .4em 0; overflow-x: auto; }
pre.output { white-space: pre-wrap; margin: .4em 0; }
.stderr { background: #fff5f5; }
.error { background: #ffebe9; color: #82071e; padding: .4em; }
.chart { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; margin: .6em 0; }
.chart figcaption { flex-basis: 100%; color: #57606a; font-size: 12px; }
.chart-png { max-width: 100%; border: 1px solid #eaeef2; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; }
`;

/**
 * A notebook as one self-contained page: markdown rendered, code, outputs; each chart drawn by
 * Vega-Embed (Vega, Vega-Lite and Vega-Embed inlined from node_modules, so the page needs no
 * network) with its static PNG beside it, which stays when scripts are off.
 */
export function notebookToHtml(nb: Notebook, title: string): string {
  const page: Page = { charts: [] };
  // The page is named after the notebook's first heading, as nbconvert does.
  const heading = nb.cells
    .filter((c) => c.cell_type === 'markdown')
    .map((c) => /^#{1,6}\s+(.+)$/m.exec(text(c.source))?.[1])
    .find(Boolean);
  if (heading) title = heading.replace(/[*_`]/g, '');
  const body = nb.cells.map((c) => renderCell(c, page)).join('\n');
  const scripts = page.charts.length
    ? [
        `<script>${scriptSafe(library('vega', 'vega.min.js'))}</script>`,
        `<script>${scriptSafe(library('vega-lite', 'vega-lite.min.js'))}</script>`,
        `<script>${scriptSafe(library('vega-embed', 'vega-embed.min.js'))}</script>`,
        `<script type="application/json" id="amalgam-charts">${scriptSafe(JSON.stringify(page.charts))}</script>`,
        `<script>
(function () {
  var specs = JSON.parse(document.getElementById('amalgam-charts').textContent);
  document.querySelectorAll('.vega-chart').forEach(function (el) {
    var spec = specs[Number(el.dataset.chart)];
    vegaEmbed(el, spec, { renderer: 'canvas', actions: false })
      .then(function () { el.dataset.rendered = 'true'; })
      .catch(function (e) { el.dataset.rendered = 'failed'; el.textContent = 'chart: ' + e.message; });
  });
})();
</script>`,
      ].join('\n')
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="amalgam run --html">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${scripts}
</body>
</html>
`;
}
