import { inspect } from 'node:util';
import { DISPLAY_SYMBOL, isDisplayable, type MimeBundle } from './bundle';

/**
 * Renderers for values that do not render themselves (foreign classes: tf.Tensor, arquero tables,
 * danfo frames, Vega-Lite specs). The first renderer whose `test` accepts a value wins; later
 * registrations take precedence so extensions can override built-ins.
 */
export interface Renderer {
  name: string;
  test(value: unknown): boolean;
  render(value: any): MimeBundle | Promise<MimeBundle>;
}

const renderers: Renderer[] = [];

export function registerRenderer(renderer: Renderer): void {
  const at = renderers.findIndex((r) => r.name === renderer.name);
  if (at >= 0) renderers.splice(at, 1);
  renderers.unshift(renderer);
}

/** text/plain the way Node's REPL shows a value. */
export function plainText(value: unknown): string {
  return typeof value === 'string' ? inspect(value) : inspect(value, { depth: 4, colors: false, maxArrayLength: 100 });
}

/** The mime bundle of any value: self-rendering objects, then registered renderers, then inspect(). */
export async function toMimeBundle(value: unknown): Promise<MimeBundle> {
  let out: MimeBundle | undefined;
  if (isDisplayable(value)) out = await value[DISPLAY_SYMBOL]();
  else {
    const renderer = renderers.find((r) => {
      try {
        return r.test(value);
      } catch {
        return false;
      }
    });
    if (renderer) out = await renderer.render(value);
  }
  out = { ...(out ?? {}) };
  if (out['text/plain'] === undefined) out['text/plain'] = plainText(value);
  return out;
}
