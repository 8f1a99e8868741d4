// Rendering a spec to a notebook bundle within a byte budget (vegalite JSON + SVG + text < 1 MB).
import type { MimeBundle } from '../display/bundle';
import { VEGALITE_MIME, vegaLiteToSvg } from '../display/vegalite';
import { sampleIndices } from './table';
import { withNote } from './spec';

/** A chart's notebook payload stays under this many bytes (issue 6). */
export const PAYLOAD_BUDGET = 1_000_000;

const bytes = (s: string) => Buffer.byteLength(s);

/**
 * vegalite + SVG + text. The interactive spec always carries all its (already sampled) points; the
 * static SVG is for frontends without Vega (Notebook 6, nbconvert, GitHub). When the SVG would push
 * the bundle over budget, it is rendered from fewer points and says so in its subtitle.
 */
export async function budgetedBundle(spec: Record<string, any>, budget = PAYLOAD_BUDGET): Promise<MimeBundle> {
  const plain = JSON.parse(JSON.stringify(spec));
  const title = typeof plain.title === 'string' ? plain.title : plain.title?.text;
  const text = `<Vega-Lite chart${title ? `: ${title}` : ''}>`;
  const room = budget - bytes(JSON.stringify(plain)) - bytes(text) - 2048;
  let svg = await vegaLiteToSvg(plain);
  const values: unknown[] | undefined = plain.data?.values;
  if (bytes(svg) > room && Array.isArray(values) && values.length > 1) {
    let k = Math.floor(values.length * Math.max(0.05, room / bytes(svg)) * 0.9);
    for (let tries = 0; tries < 6 && k >= 1; tries++, k = Math.floor(k * 0.7)) {
      const idx = sampleIndices(values.length, k, 'viz:svg');
      const lighter = withNote(
        { ...plain, data: { ...plain.data, values: idx.map((i) => values[i]) } },
        `static image: ${k.toLocaleString('en-US')} of ${values.length.toLocaleString('en-US')} points (interactive view has all)`,
      );
      svg = await vegaLiteToSvg(lighter);
      if (bytes(svg) <= room) break;
    }
  }
  const out: MimeBundle = { [VEGALITE_MIME]: plain, 'text/plain': text };
  if (bytes(svg) <= Math.max(room, 0)) out['image/svg+xml'] = svg;
  return out;
}
