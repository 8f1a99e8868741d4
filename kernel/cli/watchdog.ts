import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { setCurrentSignal } from '../../lib/interrupt';
import { type FromWatchdog, REASON, RUNNING, SIGINT, SLOTS, type ToWatchdog } from './watchdog-shared';

export type StopReason = 'interrupt' | 'timeout';

/**
 * Stops a running cell from outside the main thread, for the REPL (Ctrl-C) and the runner (a
 * timeout): a worker thread watches while the main thread is busy, as the kernel's control thread
 * does for interrupt_request. Each cell runs under its own AbortSignal (the library's
 * `interrupted()` sees it), so an interrupt meant for one cell never stops the next.
 */
export class Watchdog {
  private readonly flags = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  private seq = 0;
  private abort: AbortController | undefined;
  /** Keys typed while a cell ran, to be replayed at the next prompt. */
  onTypeahead: (bytes: Buffer) => void = () => {};

  /** `terminal`: read Ctrl-C from the terminal (stdin in raw mode) while a cell runs. */
  constructor(private readonly terminal = false) {
    this.worker = new Worker(path.join(__dirname, 'watchdog-thread.js'), {
      workerData: { flags: this.flags.buffer, graceMs: Number(process.env.AMALGAM_INTERRUPT_GRACE_MS ?? 300) },
    });
    this.worker.unref();
    this.worker.on('message', (m: FromWatchdog) => {
      if (m.type === 'interrupt') {
        if (m.cell === Atomics.load(this.flags, RUNNING)) this.abort?.abort();
        this.post({ type: 'ack' });
      } else if (m.type === 'typeahead') this.onTypeahead(Buffer.from(m.bytes));
      else if (m.type === 'hangup') process.exit(129); // as a shell reports SIGHUP
    });
    // SIGINT is how the watchdog reaches a cell's synchronous code (breakOnSigint); from outside
    // (kill -INT) it interrupts the running cell. Either way it never ends the process.
    process.on('SIGINT', this.onSigint);
  }

  private post(m: ToWatchdog): void {
    this.worker.postMessage(m);
  }

  private onSigint = (): void => {
    const target = Atomics.exchange(this.flags, SIGINT, 0);
    const running = Atomics.load(this.flags, RUNNING);
    if (!running || (target !== 0 && target !== running)) return; // late: that cell has finished
    Atomics.compareExchange(this.flags, REASON, 0, 1);
    this.abort?.abort();
  };

  /** Ctrl-C seen by the main thread itself (an idle event loop, e.g. while a cell awaits). */
  interrupt(): void {
    if (!Atomics.load(this.flags, RUNNING)) return;
    Atomics.compareExchange(this.flags, REASON, 0, 1);
    this.abort?.abort();
  }

  /** Stops (false) or resumes reading the terminal for Ctrl-C, while input() or prompt() reads it. */
  readTerminal(on: boolean): void {
    if (this.terminal) this.post({ type: 'terminal', on });
  }

  get running(): boolean {
    return Atomics.load(this.flags, RUNNING) !== 0;
  }

  /**
   * Runs one cell under the watchdog. The result tells why it was stopped, if it was: the error it
   * ended with is then KeyboardInterrupt whatever the reason, and the caller words it.
   */
  async run<T>(
    cell: () => Promise<T>,
    timeoutMs?: number,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown; stopped?: StopReason }> {
    const id = ++this.seq;
    this.abort = new AbortController();
    setCurrentSignal(this.abort.signal);
    Atomics.store(this.flags, REASON, 0);
    Atomics.store(this.flags, RUNNING, id);
    this.post({ type: 'start', cell: id, timeoutMs, terminal: this.terminal });
    try {
      return { ok: true, value: await cell() };
    } catch (error) {
      const reason = Atomics.load(this.flags, REASON);
      return { ok: false, error, stopped: reason === 2 ? 'timeout' : reason === 1 ? 'interrupt' : undefined };
    } finally {
      Atomics.store(this.flags, RUNNING, 0);
      this.post({ type: 'end', cell: id });
      this.abort = undefined;
    }
  }

  /** Ends the thread (before exit: its inspector session would otherwise be left open). */
  async close(): Promise<void> {
    // The SIGINT listener stays: a signal the thread raised may still be on its way, and with no
    // listener Node would end the process with it (the cell it was meant for has finished).
    // The worker disconnects its inspector session and ends; terminate() only if it does not.
    const ended = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ type: 'stop' });
    const late = setTimeout(() => void this.worker.terminate(), 500);
    await ended;
    clearTimeout(late);
  }
}
