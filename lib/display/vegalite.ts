import type { MimeBundle } from './bundle';

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

/** vegalite mime (interactive in JupyterLab) + SVG (Notebook 6, nbconvert, GitHub) + text. */
export async function vegaLiteBundle(spec: Record<string, unknown>): Promise<MimeBundle> {
  const svg = await vegaLiteToSvg(spec);
  const title = typeof spec.title === 'string' ? spec.title : (spec.title as any)?.text;
  return {
    [VEGALITE_MIME]: spec,
    'image/svg+xml': svg,
    'text/plain': `<Vega-Lite chart${title ? `: ${title}` : ''}>`,
  };
}
