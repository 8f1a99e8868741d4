// Shared shape of the specs viz builders return: plain Vega-Lite v5 objects that also render themselves.
import { DISPLAY_SYMBOL, type MimeBundle } from '../display/bundle';
import { VEGALITE_SCHEMA, vegaLiteBundle } from '../display/vegalite';

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
    value: (): Promise<MimeBundle> => vegaLiteBundle(out),
    enumerable: false,
  });
  return out;
}
