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

/** A spec's PNG as base64, at `scale` pixels per unit; undefined without a rasteriser. */
async function pngOf(spec: Record<string, any>, scale: number): Promise<string | undefined> {
  return svgToPng(await vegaLiteToSvg(spec), { scale })?.toString('base64');
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
  let png: string | undefined;
  for (const scale of [2, 1.5, 1]) {
    png = await pngOf(plain, scale);
    if (png === undefined || png.length <= room) break;
  }
  const values: unknown[] | undefined = plain.data?.values;
  if (png !== undefined && png.length > room && Array.isArray(values) && values.length > 1) {
    for (let k = Math.floor(values.length * 0.6); k >= 1 && (png?.length ?? 0) > room; k = Math.floor(k * 0.6)) {
      const idx = sampleIndices(values.length, k, 'chart:png');
      const lighter = withNote(
        { ...plain, data: { ...plain.data, values: idx.map((i) => values[i]) } },
        `static image: ${k.toLocaleString('en-US')} of ${values.length.toLocaleString('en-US')} points (interactive view has all)`,
      );
      png = await pngOf(lighter, 1);
    }
  }
  if (png !== undefined && png.length <= Math.max(room, 0)) out['image/png'] = png;
  return out;
}
