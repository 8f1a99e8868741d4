/**
 * The watchdog's thread (see watchdog.ts): it runs while the main thread is busy in a cell, so it
 * can stop even `while (true) {}`. It reads Ctrl-C from the terminal itself (the main thread cannot
 * read while it is busy) and fires the runner's per-cell timeout. Stopping follows the kernel's
 * control thread: a message (a cooperative stop at the cell's next await), then SIGINT (Node's
 * breakOnSigint ends a cell's synchronous code), then the inspector's terminateExecution (a busy
 * loop after an await).
 */
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { REASON, RUNNING, SIGINT, type ToWatchdog, type FromWatchdog } from './watchdog-shared';

const { flags: buffer, graceMs } = workerData as { flags: SharedArrayBuffer; graceMs: number };
const flags = new Int32Array(buffer);
const port = parentPort!;
const post = (m: FromWatchdog) => port.postMessage(m);

const inspector = new Session();
inspector.connectToMainThread();

let cell = 0;
let acked = false;
let deadline: NodeJS.Timeout | undefined;
let poll: NodeJS.Timeout | undefined;
const bytes = Buffer.alloc(256);

const stillRunning = (id: number) => !acked && Atomics.load(flags, RUNNING) === id;

function interrupt(reason: number): void {
  const id = cell;
  if (!id || Atomics.load(flags, RUNNING) !== id) return;
  // The first reason wins: a Ctrl-C after a timeout fired is still a timeout.
  Atomics.compareExchange(flags, REASON, 0, reason);
  acked = false;
  post({ type: 'interrupt', cell: id });
  setTimeout(() => {
    if (!stillRunning(id)) return;
    Atomics.store(flags, SIGINT, id);
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => {
      if (!stillRunning(id)) return;
      inspector.post('Runtime.terminateExecution', () => post({ type: 'interrupt', cell: id }));
    }, graceMs);
  }, graceMs);
}

/** The terminal is in raw mode, so Ctrl-C is byte 3; anything else typed meanwhile goes back to the REPL. */
function readTerminal(): void {
  if (Atomics.load(flags, RUNNING) !== cell) {
    stopPolling();
    return;
  }
  let n = 0;
  try {
    n = fs.readSync(0, bytes, 0, bytes.length, null);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') hangUp(); // EAGAIN: nothing typed
    return;
  }
  if (n === 0) {
    hangUp();
    return;
  }
  const chunk = Buffer.from(bytes.subarray(0, n));
  const ctrlC = chunk.indexOf(3);
  const rest = ctrlC < 0 ? chunk : Buffer.concat([chunk.subarray(0, ctrlC), chunk.subarray(ctrlC + 1)]);
  if (rest.length) post({ type: 'typeahead', bytes: rest });
  if (ctrlC >= 0) interrupt(1);
}

/**
 * The terminal is gone (its window closed): nobody can stop the cell or read its output, so the
 * process ends, at once if the main thread is free, else by force (a busy loop would spin forever).
 */
function hangUp(): void {
  stopPolling();
  post({ type: 'hangup' });
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), graceMs);
}

function stopPolling(): void {
  clearInterval(poll);
  poll = undefined;
}

port.on('message', (m: ToWatchdog) => {
  if (m.type === 'start') {
    cell = m.cell;
    acked = false;
    clearTimeout(deadline);
    deadline = m.timeoutMs ? setTimeout(() => interrupt(2), m.timeoutMs) : undefined;
    stopPolling();
    if (m.terminal) poll = setInterval(readTerminal, 25);
  } else if (m.type === 'end') {
    if (m.cell !== cell) return;
    clearTimeout(deadline);
    stopPolling();
    cell = 0;
  } else if (m.type === 'terminal') {
    stopPolling();
    if (m.on && cell) poll = setInterval(readTerminal, 25);
  } else if (m.type === 'ack') acked = true;
  else if (m.type === 'stop') {
    clearTimeout(deadline);
    stopPolling();
    // The inspector session first: an open one keeps the process waiting at exit.
    inspector.disconnect();
    port.close();
  }
});
