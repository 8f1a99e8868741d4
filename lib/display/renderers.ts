import { inspect } from 'node:util';
import { escapeHtml } from './bundle';
import { htmlTable } from './table';
import { registerRenderer } from './mime';
import { isVegaLiteSpec, vegaLiteBundle } from './vegalite';

/** Built-in renderers: tf.Tensor, Error, Vega-Lite specs. Arrays and plain objects fall back to inspect(). */
const isTensor = (v: any): boolean =>
  v != null &&
  typeof v === 'object' &&
  typeof v.dataSync === 'function' &&
  Array.isArray(v.shape) &&
  typeof v.dtype === 'string' &&
  typeof v.rank === 'number';

function tensorHtml(t: any): string {
  const title = `Tensor ${t.dtype} [${t.shape.join(', ')}]`;
  if (t.isDisposed) return htmlTable({ title, columns: [], rows: [], footer: 'disposed' });
  if (t.rank > 2 || t.size > 400) return `<p><b>${escapeHtml(title)}</b></p><pre>${escapeHtml(t.toString())}</pre>`;
  const values = (
    t.rank === 0 ? [[t.dataSync()[0]]] : t.rank === 1 ? [Array.from(t.dataSync())] : t.arraySync()
  ) as number[][];
  // Row and column indices as the headers, values right-aligned: the same table as a frame's.
  return htmlTable({
    title,
    index: true,
    columns: ['', ...values[0].map((_, j) => String(j))],
    rows: values.map((row, i) => [String(i), ...row]),
  });
}

/** Registers the built-in renderers: called once by lib/register.ts. */
export function registerBuiltinRenderers(): void {
  registerRenderer({
    name: 'tf.Tensor',
    test: isTensor,
    render: (t: any) => {
      if (t.isDisposed) return { 'text/plain': `Tensor ${t.dtype} [${t.shape.join(', ')}] (disposed)` };
      return {
        'text/plain': `Tensor ${t.dtype} [${t.shape.join(', ')}]\n${t.toString().replace(/^Tensor\n?/, '')}`,
        'text/html': tensorHtml(t),
      };
    },
  });

  registerRenderer({
    name: 'Error',
    test: (v) => v instanceof Error,
    render: (e: Error) => ({ 'text/plain': e.stack ?? `${e.name}: ${e.message}` }),
  });

  registerRenderer({
    name: 'vega-lite',
    test: isVegaLiteSpec,
    render: (spec) => vegaLiteBundle(spec),
  });
}

/** Node's own view of anything else, with colours off (frontends show ANSI as noise in some places). */
export const inspectValue = (v: unknown): string => inspect(v, { depth: 4, colors: false, maxArrayLength: 100 });
