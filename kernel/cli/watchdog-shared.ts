// What the main thread and the watchdog thread share: an Int32Array of three slots, and messages.
//   [RUNNING]  the id of the running cell (0 when idle): the watchdog acts only on that cell
//   [SIGINT]   the cell the watchdog raised SIGINT for, so a late signal never stops the next cell
//   [REASON]   why the running cell is being stopped: 0 not stopped, 1 Ctrl-C, 2 its timeout
export const RUNNING = 0;
export const SIGINT = 1;
export const REASON = 2;
export const SLOTS = 3;

export type ToWatchdog =
  /** Cell `cell` starts: stop it after `timeoutMs`, and watch the terminal for Ctrl-C if `terminal`. */
  | { type: 'start'; cell: number; timeoutMs?: number; terminal: boolean }
  | { type: 'end'; cell: number }
  /** Stop or resume reading the terminal (input() and prompt() read it themselves). */
  | { type: 'terminal'; on: boolean }
  /** The main thread has seen the interrupt message: no need to escalate. */
  | { type: 'ack' }
  | { type: 'stop' };

export type FromWatchdog =
  | { type: 'interrupt'; cell: number }
  /** Keys typed while the cell ran (other than Ctrl-C), for the prompt that follows. */
  | { type: 'typeahead'; bytes: Uint8Array }
  /** The terminal hung up while a cell ran. */
  | { type: 'hangup' };
