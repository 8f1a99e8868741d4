// The library inside a stock tslab kernel: displays go through tslab's own display channel, with
// every mime type of the bundle (tslab's public display.raw sends one type per output, so the
// writer its kernel installs for the running cell is used when present).
import type { MimeBundle } from './bundle';
import type { DisplayOptions, DisplaySink } from './sink';

type WriteDisplayData = (
  data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update?: boolean,
) => void;

interface TslabModules {
  jupyter?: { lastWriteDisplayData: WriteDisplayData | null };
  display?: { raw(type: string, data: string | Uint8Array): void };
}

/** tslab's modules, when this process is a tslab kernel (found among the loaded modules). */
function tslabModules(): TslabModules | undefined {
  const found: TslabModules = {};
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/](jupyter|public)\.js$/.test(file) || !mod) continue;
    if (file.endsWith('jupyter.js')) found.jupyter = mod.exports;
    else found.display = mod.exports.display;
  }
  return found.jupyter || found.display ? found : undefined;
}

/** Preference for tslab's one-type fallback: what shows best in a notebook. */
const ORDER = ['text/html', 'image/png', 'image/svg+xml', 'text/markdown', 'text/plain'];

/** A display sink writing to tslab's kernel, or undefined outside tslab. */
export function tslabSink(): DisplaySink | undefined {
  const tslab = tslabModules();
  if (!tslab) return undefined;
  return {
    async display(pending: MimeBundle | Promise<MimeBundle>, options: DisplayOptions) {
      const bundle = await pending;
      const write = tslab.jupyter?.lastWriteDisplayData;
      if (write) {
        write(
          { data: bundle, metadata: options.metadata ?? {}, transient: { display_id: options.id } },
          options.update,
        );
        return;
      }
      const type = ORDER.find((t) => bundle[t] !== undefined);
      if (type) tslab.display?.raw(type, String(bundle[type]));
    },
    clear() {},
  };
}
