// SVG → PNG in the kernel, so a chart shows where SVG and HTML do not: nbconvert's HTML export
// strips inline SVG, classic Notebook hides SVG in untrusted notebooks, GitHub and VS Code prefer
// PNG. resvg (prebuilt binaries from npm, no canvas, no network) with a font that ships with the
// package (DejaVu Sans), so text renders the same on every machine.
import { existsSync } from 'node:fs';

type ResvgModule = typeof import('@resvg/resvg-js');

let resvg: ResvgModule | null | undefined;
let fonts: string[] = [];
let why = '';

function load(): ResvgModule | null {
  if (resvg !== undefined) return resvg;
  try {
    resvg = require('@resvg/resvg-js') as ResvgModule;
    fonts = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf']
      .map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`))
      .filter((f) => existsSync(f));
  } catch (e) {
    // A platform without a prebuilt resvg binary: charts keep their SVG and interactive spec.
    resvg = null;
    why = (e as Error).message.split('\n')[0];
  }
  return resvg;
}

/** Why PNGs cannot be rendered here ('' when they can). */
export function rasterizerUnavailable(): string {
  load();
  return resvg ? '' : `@resvg/resvg-js did not load (${why})`;
}

export interface RasterOptions {
  /** Pixels per SVG unit (default 2: sharp on high-density screens). */
  scale?: number;
  /** Background behind transparent areas (default white, as the notebook page). */
  background?: string;
}

/** The SVG as PNG bytes, or undefined when no rasteriser loads on this platform. */
export function svgToPng(svg: string, options: RasterOptions = {}): Buffer | undefined {
  const mod = load();
  if (!mod) return undefined;
  const r = new mod.Resvg(svg, {
    background: options.background ?? 'white',
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    font: {
      fontFiles: fonts,
      loadSystemFonts: false,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
      serifFamily: 'DejaVu Sans',
      monospaceFamily: 'DejaVu Sans',
    },
  });
  return r.render().asPng();
}
