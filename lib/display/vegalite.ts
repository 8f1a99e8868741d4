import { sampleIndices } from '../random';
import type { MimeBundle } from './bundle';
import { svgToPng } from './rasterize';

/** The mime type JupyterLab 4 renders natively (it has no v6 renderer). */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
export const VEGALITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export function isVegaLiteSpec(value: unknown): value is Record<string, unknown> {
  const schema = (value as any)?.$schema;
  return typeof schema === 'string' && /vega-lite/.test(schema);
}

// vega and vega-lite are ESM-only: load once with import(), lazily, so start-up does not pay for them.
let modules: Promise<{ vega: any; vl: any }> | undefined;
function loadVega() {
  return (modules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl })));
}

/** A loader that refuses every network or file fetch: charts must carry their data inline. */
function offlineLoader(vega: any) {
  const loader = vega.loader();
  loader.load = async (uri: string) => {
    throw new Error(`chart tried to load ${uri}: amalgam charts must embed their data (no network)`);
  };
  return loader;
}

/** Renders a Vega-Lite spec to SVG headlessly (no canvas, no network). */
export async function vegaLiteToSvg(spec: object): Promise<string> {
  const { vega, vl } = await loadVega();
  const compiled = vl.compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: offlineLoader(vega) });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A chart's notebook payload (spec, image and text) stays under this many bytes. */
export const PAYLOAD_BUDGET = 1_000_000;

/** Adds a visible note (a subtitle) to a spec: sampling and binning are never silent. */
export function withNote(spec: Record<string, any>, note: string | undefined): Record<string, any> {
  if (!note) return spec;
  const title = spec.title;
  const text = typeof title === 'string' ? title : (title?.text ?? '');
  const subtitle = [title?.subtitle].flat().filter(Boolean).concat(note);
  return { ...spec, title: { ...(typeof title === 'object' ? title : {}), text, subtitle, subtitleColor: '#a35' } };
}

/**
 * The spec's PNG as base64 at the largest of `scales` (descending) that fits `room` bytes, else at
 * the smallest (too big: the caller draws fewer points); undefined without a rasteriser. The SVG is
 * drawn once for every scale, and a PNG's size (about proportional to its area, a little less at
 * larger scales) predicts which scales cannot fit, so they are skipped. `probeSmallest` draws the
 * smallest scale first: for specs that leave little room, where the large scales seldom fit.
 */
async function fittingPng(
  spec: Record<string, any>,
  room: number,
  scales: number[],
  probeSmallest = false,
): Promise<string | undefined> {
  const svg = await vegaLiteToSvg(spec);
  const draw = (scale: number) => svgToPng(svg, { scale })?.toString('base64');
  const smallest = scales[scales.length - 1];
  let small: string | undefined;
  let known: { scale: number; bytes: number } | undefined;
  if (probeSmallest) {
    small = draw(smallest);
    if (small === undefined || small.length > room) return small;
    known = { scale: smallest, bytes: small.length };
  }
  for (const scale of scales) {
    if (scale === smallest && small !== undefined) return small;
    if (scale !== smallest && known && known.bytes * (scale / known.scale) ** 2 > room) continue;
    const png = draw(scale);
    if (png === undefined || png.length <= room || scale === smallest) return png;
    known = { scale, bytes: png.length };
  }
  return small;
}

/**
 * A Vega-Lite spec as a notebook bundle, under `budget` bytes: the spec itself (interactive where
 * the frontend renders Vega-Lite: JupyterLab, VS Code), a PNG rendered in the kernel (what classic
 * Notebook, nbconvert's HTML, GitHub and untrusted notebooks show) and a text line. No SVG: nbconvert
 * prefers SVG to PNG and its HTML export strips inline SVG, which left blank charts. When the PNG
 * does not fit it is drawn smaller, then from fewer points, and says so in its subtitle; the
 * interactive spec keeps every point.
 */
export async function vegaLiteBundle(spec: Record<string, unknown>, budget = PAYLOAD_BUDGET): Promise<MimeBundle> {
  const plain = JSON.parse(JSON.stringify(spec));
  const title = typeof plain.title === 'string' ? plain.title : plain.title?.text;
  const text = `<Vega-Lite chart${title ? `: ${title}` : ''}>`;
  const room = budget - Buffer.byteLength(JSON.stringify(plain)) - Buffer.byteLength(text) - 2048;
  const out: MimeBundle = { [VEGALITE_MIME]: plain, 'text/plain': text };
  const values: unknown[] | undefined = plain.data?.values;
  const n = Array.isArray(values) ? values.length : 0;
  const withPoints = (k: number) =>
    k >= n
      ? plain
      : withNote(
          { ...plain, data: { ...plain.data, values: sampleIndices(n, k, 'chart:png').map((i) => values![i]) } },
          `static image: ${k.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} points (interactive view has all)`,
        );
  const draw = (k: number) => fittingPng(withPoints(k), room, k >= n ? [2, 1.5, 1] : [1], k >= n && room < 250_000);
  // A spec that fills most of the budget (many points) leaves room for a small image only: a quarter
  // of the points, drawn first, says how many fit, rather than drawing them all to find out.
  let k = n;
  let png: string | undefined;
  if (room < 250_000 && n > 1000) {
    const probe = Math.floor(n / 4);
    png = await draw(probe);
    if (png === undefined) return out;
    const fit = Math.floor((probe * 0.85 * room) / png.length); // the probe's bytes per point
    if (png.length <= room && fit <= probe) k = probe;
    else png = await draw((k = Math.max(1, Math.min(n, fit))));
  } else png = await draw(k);
  while (png !== undefined && png.length > room && k > 1) {
    // Fewer points: as many as the last image's bytes per point say fit (with a margin), at most 0.6×.
    k = Math.max(1, Math.floor(k * Math.min(0.6, (0.85 * room) / png.length)));
    png = await draw(k);
  }
  if (png !== undefined && png.length <= Math.max(room, 0)) out['image/png'] = png;
  return out;
}
