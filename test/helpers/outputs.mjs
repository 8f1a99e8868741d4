// What two runs of a notebook must agree on: each code cell's outputs as text, with only what
// legitimately changes from run to run masked (durations, speeds, ETAs, dates, ports).
const MASKS = [
  [/\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?Z?/g, '<date>'],
  [/(127\.0\.0\.1|localhost):\d+/g, '$1:<port>'],
  [/[\d,.]+ (samples|rows|requests)\/s/g, '<speed>'],
  [/ETA \d+:\d\d(:\d\d)?/g, 'ETA <eta>'],
  [/\d+(\.\d+)?\s?(ns|µs|us|ms|s|min)\b/g, '<time>'],
];

export const mask = (text) => MASKS.reduce((s, [re, to]) => s.replace(re, to), text);

const joined = (v) => [].concat(v ?? '').join('');

/** [{ cell, ename, evalue }] of every error output. */
export function errorsOf(notebook) {
  return notebook.cells.flatMap((c, cell) =>
    (c.outputs ?? []).filter((o) => o.output_type === 'error').map((o) => ({ cell, ename: o.ename, evalue: o.evalue })),
  );
}

/**
 * Per code cell, its outputs as masked text (stream text, text/plain, errors). With renameIds, each
 * distinct 12-hex version id becomes <id1>, <id2>, ... in order of first appearance: for notebooks
 * whose versions hash a log that records arrival times (feedback), so only the ids' pattern must agree.
 */
export function comparableOutputs(notebook, { renameIds = false } = {}) {
  const ids = new Map();
  const rename = (text) =>
    renameIds
      ? text.replace(/\b[0-9a-f]{12}\b/g, (id) => ids.get(id) ?? ids.set(id, `<id${ids.size + 1}>`).get(id))
      : text;
  const masked = (text) => rename(mask(text));
  return notebook.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) =>
      (c.outputs ?? []).map((o) => {
        if (o.output_type === 'stream') return `${o.name}: ${masked(joined(o.text))}`;
        if (o.output_type === 'error') return `error ${o.ename}: ${masked(o.evalue)}`;
        const kinds = Object.keys(o.data ?? {})
          .sort()
          .join(',');
        return `${o.output_type} [${kinds}] ${masked(joined(o.data?.['text/plain']))}`;
      }),
    );
}

/**
 * What a static HTML rendering of the notebook must show: the images (PNG outputs, and <img> inside
 * HTML outputs, which a renderer prefers to the PNG), the HTML tables, and each chart with whether
 * it carries its PNG.
 */
export function outputCounts(notebook) {
  let images = 0;
  let tables = 0;
  const charts = [];
  notebook.cells.forEach((c, i) =>
    (c.outputs ?? []).forEach((o) => {
      const data = o.data ?? {};
      const html = joined(data['text/html']);
      if (html) {
        images += (html.match(/<img\b/g) ?? []).length;
        tables += (html.match(/<table\b/g) ?? []).length;
      } else if (data['image/png']) images += 1;
      if (data['application/vnd.vegalite.v5+json'])
        charts.push({ where: `cell ${i}`, png: Boolean(data['image/png']) });
    }),
  );
  return { images, tables, charts };
}
