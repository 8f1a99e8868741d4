// Shared shape of the specs viz builders return: plain Vega-Lite v5 objects that also render themselves.
import { DISPLAY_SYMBOL, type MimeBundle } from '../display/bundle';
import { VEGALITE_SCHEMA } from '../display/vegalite';
// render.ts imports withNote from here; the cycle is safe because both are used only at call time.
import { budgetedBundle } from './render';

/** A Vega-Lite v5 spec (a plain JSON object; `$schema` names vega-lite v5). */
export type VegaLiteSpec = Record<string, any> & { $schema: string };

/**
 * Stamps `$schema` and attaches a non-enumerable display method, so the spec stays a plain JSON
 * object (JSON.stringify, schema validation, vega-embed see nothing extra) but renders in a cell
 * even where the display registry is not loaded.
 */
export function vlSpec(spec: Record<string, any>): VegaLiteSpec {
  const out = { $schema: VEGALITE_SCHEMA, ...spec } as VegaLiteSpec;
  // Per-point aria labels triple the SVG's size; tooltips carry the same information.
  out.config = { aria: false, ...(spec.config ?? {}) };
  Object.defineProperty(out, DISPLAY_SYMBOL, {
    value: (): Promise<MimeBundle> => budgetedBundle(out),
    enumerable: false,
  });
  return out;
}

/** Adds a visible note (a subtitle) to a spec: sampling and binning are never silent. */
export function withNote(spec: Record<string, any>, note: string | undefined): Record<string, any> {
  if (!note) return spec;
  const title = spec.title;
  const text = typeof title === 'string' ? title : (title?.text ?? '');
  const subtitle = [title?.subtitle].flat().filter(Boolean).concat(note);
  return { ...spec, title: { ...(typeof title === 'object' ? title : {}), text, subtitle, subtitleColor: '#a35' } };
}

/** Bytes of a spec as it travels in a notebook (JSON). */
export function specBytes(spec: unknown): number {
  return Buffer.byteLength(JSON.stringify(spec));
}
