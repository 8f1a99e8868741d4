/**
 * Cooperative interruption. The kernel gives each cell an AbortSignal; long-running library code
 * (training loops, projections) checks it between steps so an interrupt stops at a clean point.
 */
let signal: AbortSignal = new AbortController().signal;

export function setCurrentSignal(next: AbortSignal): void {
  signal = next;
}

export function currentSignal(): AbortSignal {
  return signal;
}

export function interrupted(): boolean {
  return signal.aborted;
}

export class InterruptedError extends Error {
  constructor(message = 'interrupted by the user') {
    super(message);
    this.name = 'KeyboardInterrupt';
  }
}

export function throwIfInterrupted(): void {
  if (signal.aborted) throw new InterruptedError();
}

/**
 * Waits for `ready` (start-up work such as the backend selection, whose failure it has already
 * reported) unless the current cell is interrupted first: then the wait ends as an interrupt.
 */
export function untilReady(ready: Promise<unknown>): Promise<void> {
  const signal = currentSignal();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    ready
      .then(
        () => resolve(),
        () => resolve(),
      )
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
