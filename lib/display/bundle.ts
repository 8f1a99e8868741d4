/** A Jupyter mime bundle: mime type -> data (string for text types, JSON for +json types). */
export type MimeBundle = Record<string, unknown>;

/** Deno's convention: any object with this method renders itself. */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for('Jupyter.display') as any;

export interface Displayable {
  [DISPLAY_SYMBOL](): MimeBundle | Promise<MimeBundle>;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    value != null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as any)[DISPLAY_SYMBOL] === 'function'
  );
}

/** Wraps a ready bundle so it renders itself. */
export function bundle(data: MimeBundle): Displayable {
  return { [DISPLAY_SYMBOL]: () => data } as Displayable;
}

const escapeMap: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => escapeMap[c]);
}

export const html = (source: string): Displayable =>
  bundle({ 'text/html': source, 'text/plain': source.replace(/<[^>]*>/g, '') });
export const markdown = (source: string): Displayable => bundle({ 'text/markdown': source, 'text/plain': source });
export const svg = (source: string): Displayable => bundle({ 'image/svg+xml': source, 'text/plain': '<svg image>' });
export const png = (data: Uint8Array | string): Displayable =>
  bundle({
    'image/png': typeof data === 'string' ? data : Buffer.from(data).toString('base64'),
    'text/plain': '<png image>',
  });
export const json = (value: unknown): Displayable =>
  bundle({ 'application/json': value, 'text/plain': JSON.stringify(value, null, 2) });
