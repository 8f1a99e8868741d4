import type { DisplayOptions, DisplaySink } from './sink';
import { toMimeBundle } from './mime';
import { tslabSink } from './tslab';

export type { DisplayOptions, DisplaySink };

const consoleSink: DisplaySink = {
  async display(bundle) {
    process.stdout.write(String((await bundle)['text/plain'] ?? '') + '\n');
  },
  clear() {},
};

let installed: DisplaySink | undefined;
let host: DisplaySink | undefined;

export function setDisplaySink(next: DisplaySink | undefined): void {
  installed = next;
}

/**
 * Where displays go now: the sink installed by amalgam's kernel, REPL or runner; else a tslab
 * kernel's display channel when the library runs inside tslab; else the console.
 */
function sink(): DisplaySink {
  if (installed) return installed;
  host ??= tslabSink();
  return host ?? consoleSink;
}

/** True when displays can be updated in place (a notebook or the REPL), false in plain Node. */
export function displayUpdatesInPlace(): boolean {
  return sink() !== consoleSink;
}

/** Shows a value in the notebook now (any number per cell); with `id`, updatable in place. */
export async function display(value: unknown, options: DisplayOptions = {}): Promise<void> {
  if (options.update && !options.id) throw new TypeError('display: `update: true` needs an `id`');
  // Handed to the sink before rendering finishes, so outputs keep the order of the calls.
  await sink().display(toMimeBundle(value), options);
}

/** Clears the cell's output; `wait` clears only when the next output arrives (no flicker). */
export function clearOutput(options: { wait?: boolean } = {}): void {
  sink().clear(options.wait ?? false);
}
