/**
 * Errors that happen after a cell finished (a timer that throws, a promise nobody awaited): reported
 * where the user looks (the REPL's terminal, the runner's current cell) and never fatal, as in the
 * kernel. `guard()` drops handlers libraries add that rethrow (emscripten's glue in
 * tfjs-backend-wasm does), which would turn a late error into the end of the process.
 */
export class BackgroundErrors {
  private readonly onException = (e: unknown) => this.report('Uncaught exception', e);
  private readonly onRejection = (e: unknown) => this.report('Unhandled promise rejection', e);

  constructor(private readonly print: (text: string) => void) {
    process.on('uncaughtException', this.onException);
    process.on('unhandledRejection', this.onRejection);
  }

  private report(what: string, reason: unknown): void {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    this.print(`${what} (after a cell finished): ${err.stack ?? err.message}\n`);
  }

  guard(): void {
    for (const [event, ours] of [
      ['uncaughtException', this.onException],
      ['unhandledRejection', this.onRejection],
    ] as const)
      for (const l of process.listeners(event as any)) if (l !== ours) process.removeListener(event as any, l as any);
  }

  close(): void {
    process.removeListener('uncaughtException', this.onException);
    process.removeListener('unhandledRejection', this.onRejection);
  }
}

/**
 * SIGTERM and SIGHUP end the process even while a cell keeps the main thread busy: listeners that
 * libraries add for them (signal-exit, through proper-lockfile) only run when the main thread is
 * free, so with them a busy cell made `kill` (or a harness's timeout) do nothing. Called after
 * each cell, since a cell may load such a library.
 */
export function terminateOnSignals(): void {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
}
