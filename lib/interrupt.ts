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
