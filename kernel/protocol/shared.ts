// Memory the main thread and the control thread share, so the control thread can act on the main
// thread's state while the main thread is busy (a running cell) or blocked (a synchronous prompt).
//
//   [RUNNING]  the id of the cell that is running (0 when idle): an interrupt targets that cell only
//   [SIGINT]   the cell the control thread raised SIGINT for, so a late signal never hits the next cell
//   [INPUT]    the state of a pending input request: 0 waiting, 1 answered, 2 interrupted
//   [LENGTH]   the answer's byte length in `text`
export const RUNNING = 0;
export const SIGINT = 1;
export const INPUT = 2;
export const LENGTH = 3;

export const INPUT_WAITING = 0;
export const INPUT_ANSWERED = 1;
export const INPUT_INTERRUPTED = 2;

/** Longest answer to input() / prompt(), in UTF-8 bytes. */
export const TEXT_BYTES = 1 << 16;

export interface SharedState {
  flags: Int32Array;
  text: Uint8Array;
}

export function createShared(): { buffers: { flags: SharedArrayBuffer; text: SharedArrayBuffer }; state: SharedState } {
  const flags = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
  const text = new SharedArrayBuffer(TEXT_BYTES);
  return { buffers: { flags, text }, state: { flags: new Int32Array(flags), text: new Uint8Array(text) } };
}

export function attachShared(buffers: { flags: SharedArrayBuffer; text: SharedArrayBuffer }): SharedState {
  return { flags: new Int32Array(buffers.flags), text: new Uint8Array(buffers.text) };
}

/** The control thread's side: store an answer (cut to TEXT_BYTES) and wake the waiting main thread. */
export function answerInput(state: SharedState, value: string): void {
  const bytes = Buffer.from(value, 'utf8').subarray(0, TEXT_BYTES);
  state.text.set(bytes);
  Atomics.store(state.flags, LENGTH, bytes.length);
  Atomics.store(state.flags, INPUT, INPUT_ANSWERED);
  Atomics.notify(state.flags, INPUT);
}

export function interruptInput(state: SharedState): void {
  Atomics.store(state.flags, INPUT, INPUT_INTERRUPTED);
  Atomics.notify(state.flags, INPUT);
}

/** The main thread's side: the answer once given; `undefined` when the wait was interrupted. */
export function readAnswer(state: SharedState): string | undefined {
  if (Atomics.load(state.flags, INPUT) === INPUT_INTERRUPTED) return undefined;
  return Buffer.from(state.text.subarray(0, Atomics.load(state.flags, LENGTH))).toString('utf8');
}
