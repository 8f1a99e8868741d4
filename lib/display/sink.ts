// Where displays go: the kernel, the REPL, the runner, tslab or the console each provide a sink.
import type { MimeBundle } from './bundle';

export interface DisplayOptions {
  /** A display id: a later `display(v, {id, update: true})` replaces this output in place. */
  id?: string;
  /** Update the output that has this id instead of adding a new one. */
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/**
 * Where displays go. The kernel installs a sink that sends display_data / update_display_data on
 * iopub; the REPL and the headless runner install their own; plain Node prints text/plain.
 */
export interface DisplaySink {
  /** Called at once, in call order; the bundle may still be rendering (an SVG chart, say). */
  display(bundle: MimeBundle | Promise<MimeBundle>, options: DisplayOptions): void | Promise<void>;
  clear(wait: boolean): void;
}
