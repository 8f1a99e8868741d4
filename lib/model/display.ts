// How an amalgamation shows itself: a diagram (input → bottom → representations → heads, with the
// combinations) and a per-component table of parameters, frozen or trainable, and output shapes.
import { DISPLAY_SYMBOL, escapeHtml, type MimeBundle } from '../display/bundle';
import { svgToPng } from '../display/rasterize';
import { htmlTable, type TableView, textTable } from '../display/table';
import type { Amalgamation } from './amalgamation';
import { REPRESENTATION_NAMES } from './config';

const shape = (s: (number | null)[]) => `[${s.map((d) => d ?? 'N').join(', ')}]`;

interface Box {
  id: string;
  label: string;
  sub: string;
  x: number;
  y: number;
  kind: string;
}

/** Heads by depth: a head reading only representations is depth 1; one reading heads is one deeper. */
function depths(model: Amalgamation): Map<string, number> {
  const d = new Map<string, number>();
  const depth = (h: string): number => {
    if (d.has(h)) return d.get(h)!;
    const from = [model.head(h).from].flat();
    const v = 1 + Math.max(0, ...from.filter((f) => model.headNames.includes(f)).map(depth));
    d.set(h, v);
    return v;
  };
  model.headNames.forEach(depth);
  return d;
}

export function diagramSvg(model: Amalgamation): string {
  const W = 150,
    H = 40,
    GX = 60,
    GY = 14;
  const comps = model.components();
  const boxes: Box[] = [];
  const bottom = comps.find((c) => c.name === 'bottom')!;
  const reps = REPRESENTATION_NAMES.map((r) => ({ r, s: model.outputShape(r) }));
  const repY = (i: number) => 10 + i * (H + GY);
  const midY = repY(1.5);
  boxes.push({ id: 'input', label: 'input', sub: shape([null, ...model.config.input]), x: 10, y: midY, kind: 'input' });
  boxes.push({
    id: 'bottom',
    label: `bottom${bottom.frozen ? ' ❄' : ''}`,
    sub: `${bottom.layers.length} layers · ${bottom.params.toLocaleString('en')}`,
    x: 10 + W + GX,
    y: midY,
    kind: 'bottom',
  });
  reps.forEach(({ r, s }, i) =>
    boxes.push({
      id: r,
      label: `${r}${comps.find((c) => c.name === r)!.frozen ? ' ❄' : ''}`,
      sub: shape(s),
      x: 10 + 2 * (W + GX),
      y: repY(i),
      kind: 'rep',
    }),
  );
  const d = depths(model);
  const byDepth = new Map<number, string[]>();
  for (const h of model.headNames) byDepth.set(d.get(h)!, [...(byDepth.get(d.get(h)!) ?? []), h]);
  for (const [depth, heads] of byDepth)
    heads.forEach((h, i) => {
      const c = comps.find((x) => x.name === h)!;
      boxes.push({
        id: h,
        label: `${h}${c.frozen ? ' ❄' : ''}`,
        sub: `${c.task}${c.outputShape[0] ? ' ' + shape(c.outputShape[0]) : ''}`,
        x: 10 + (2 + depth) * (W + GX),
        y: repY(i),
        kind: 'head',
      });
    });
  const at = new Map(boxes.map((b) => [b.id, b]));
  const edges: [string, string][] = [
    ['input', 'bottom'],
    ['bottom', 'latent_high'],
    ['latent_high', 'latent_low'],
    ['latent_low', 'logits'],
    ['logits', 'probs'],
  ];
  for (const h of model.headNames) for (const f of [model.head(h).from].flat()) edges.push([f, h]);
  const width = Math.max(...boxes.map((b) => b.x)) + W + 10;
  const height = Math.max(...boxes.map((b) => b.y)) + H + 10;
  const fill: Record<string, string> = { input: '#eee', bottom: '#dbe8f6', rep: '#e4f2e1', head: '#fbe9d7' };
  const lines = edges.map(([a, b]) => {
    const p = at.get(a)!,
      q = at.get(b)!;
    // Representation → representation edges run down the column; the rest go left to right.
    if (p.x === q.x)
      return `<path d="M${p.x + W / 2},${p.y + H} L${q.x + W / 2},${q.y}" stroke="#888" marker-end="url(#arrow)"/>`;
    return `<path d="M${p.x + W},${p.y + H / 2} C${p.x + W + GX / 2},${p.y + H / 2} ${q.x - GX / 2},${q.y + H / 2} ${q.x},${q.y + H / 2}" fill="none" stroke="#888" marker-end="url(#arrow)"/>`;
  });
  const rects = boxes.map(
    (b) =>
      `<g><rect x="${b.x}" y="${b.y}" width="${W}" height="${H}" rx="6" fill="${fill[b.kind]}" stroke="#777"/>` +
      `<text x="${b.x + W / 2}" y="${b.y + 16}" text-anchor="middle" font-weight="bold">${escapeHtml(b.label)}</text>` +
      `<text x="${b.x + W / 2}" y="${b.y + 32}" text-anchor="middle" fill="#555" font-size="11">${escapeHtml(b.sub)}</text></g>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>` +
    lines.join('') +
    rects.join('') +
    '</svg>'
  );
}

/** The component table: each component's kind, what it reads, layers, parameters, state and output. */
export function componentTable(model: Amalgamation): TableView {
  return {
    columns: ['component', 'kind', 'from', 'layers', 'params', 'state', 'output'],
    rows: model
      .components()
      .map((c) => [
        c.name,
        c.kind === 'head' ? `head (${c.task})` : c.kind,
        c.from?.join(' + ') ?? 'input',
        c.layers.length,
        { html: c.params.toLocaleString('en'), text: c.params.toLocaleString('en'), right: true },
        c.frozen ? 'frozen' : 'trainable',
        c.outputShape.map(shape).join(' ') || '—',
      ]),
    maxTextWidth: 40,
  };
}

/**
 * The diagram as a PNG (shown by every frontend, kept by nbconvert's HTML export, which strips
 * inline SVG) in HTML with the component table, and as text.
 */
export function modelBundle(model: Amalgamation): MimeBundle {
  const svg = diagramSvg(model);
  const png = svgToPng(svg)?.toString('base64');
  const title = `Amalgamation${model.config.name ? ` ${model.config.name}` : ''}: ${model.countParams().toLocaleString('en')} parameters${model.version ? ` · version ${model.version.slice(0, 12)}` : ''}`;
  const table = { ...componentTable(model), title };
  const width = /width="(\d+)"/.exec(svg)?.[1];
  const diagram = png ? `<img src="data:image/png;base64,${png}" width="${width}" alt="amalgamation diagram">` : svg;
  return {
    'text/html': htmlTable({ ...table, figure: diagram }),
    ...(png ? { 'image/png': png } : { 'image/svg+xml': svg }),
    'text/plain': textTable(table),
  };
}

export function installDisplay(cls: { prototype: any }): void {
  cls.prototype[DISPLAY_SYMBOL] = function (this: Amalgamation) {
    return modelBundle(this);
  };
}
