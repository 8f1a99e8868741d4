/**
 * The kernel's second thread: heartbeat, control, iopub and stdin. It stays responsive while a cell
 * keeps the main thread busy, so an interrupt can stop even `while (true) {}`: it asks the main
 * thread first (a cooperative stop at the next await), and if the main thread does not answer in
 * time it terminates the running JavaScript through the inspector, which V8 cancels once the user's
 * code has unwound, leaving the kernel and its state intact. It also answers input requests while
 * the main thread waits for them, blocked (a synchronous prompt()) or not.
 */
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import * as zmq from 'zeromq';
import { SendQueue } from './send-queue';
import {
  BadSignatureError,
  type ConnectionInfo,
  encodeFrames,
  type Header,
  type Message,
  newHeader,
  parseFrames,
  Signer,
} from './message';
import { answerInput, attachShared, interruptInput, RUNNING, SIGINT } from './shared';

export type ToControl =
  | { type: 'iopub'; frames: Buffer[] }
  | { type: 'interrupt-ack' }
  | { type: 'input'; identities: Buffer[]; parent: Header; prompt: string; password: boolean }
  | { type: 'stop' };

export type FromControl =
  | { type: 'ready' }
  /** Stop cell `cell` (an interrupt that finds another cell running does nothing). */
  | { type: 'interrupt'; cell: number }
  | { type: 'shutdown'; restart: boolean }
  | { type: 'log'; text: string }
  | { type: 'stopped' };

interface Init {
  connection: ConnectionInfo;
  session: string;
  kernelInfo: Record<string, unknown>;
  graceMs: number;
  shared: { flags: SharedArrayBuffer; text: SharedArrayBuffer };
}

const { connection, session, kernelInfo, graceMs, shared: buffers } = workerData as Init;
const shared = attachShared(buffers);
const signer = new Signer(connection.key, connection.signature_scheme);
const url = (port: number) => `${connection.transport}://${connection.ip}:${port}`;
const port = parentPort!;
const post = (m: FromControl) => port.postMessage(m);

const iopub = new zmq.Publisher();
const control = new zmq.Router();
const heartbeat = new zmq.Reply();
const stdin = new zmq.Router();
/** Whether an input request is out and waits for its input_reply. */
let inputPending = false;
let ackWaiter: (() => void) | undefined;
const logError = (e: Error) => post({ type: 'log', text: `send failed: ${e.message}` });
const iopubOut = new SendQueue(iopub, logError);
const controlOut = new SendQueue(control, logError);
const stdinOut = new SendQueue(stdin, logError);

const inspector = new Session();
inspector.connectToMainThread();

function publish(type: string, parent: Partial<Header>, content: unknown): void {
  void iopubOut.send(encodeFrames(signer, [], newHeader(type, session), parent, content));
}

async function reply(request: Message, type: string, content: unknown): Promise<void> {
  await controlOut.send(encodeFrames(signer, request.identities, newHeader(type, session), request.header, content));
}

/**
 * Three steps, each only if the main thread has not acknowledged the previous one: a message (a
 * cooperative stop at the cell's next await); SIGINT, which Node's breakOnSigint turns into a clean
 * exception inside a cell's synchronous code; and last, for a busy loop after an await, the
 * inspector's terminateExecution.
 */
function interruptMainThread(): void {
  const cell = Atomics.load(shared.flags, RUNNING);
  if (!cell) return; // nothing runs: an interrupt never carries over to the next cell
  if (inputPending) interruptInput(shared); // a cell blocked in prompt() wakes up interrupted
  let acked = false;
  ackWaiter = () => {
    acked = true;
  };
  const stillRunning = () => !acked && Atomics.load(shared.flags, RUNNING) === cell;
  post({ type: 'interrupt', cell });
  setTimeout(() => {
    if (!stillRunning()) return;
    Atomics.store(shared.flags, SIGINT, cell);
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => {
      if (!stillRunning()) return;
      inspector.post('Runtime.terminateExecution', () => post({ type: 'interrupt', cell }));
    }, graceMs);
  }, graceMs);
}

/** input_request out on stdin; the input_reply's value goes into shared memory for the main thread. */
function requestInput(m: Extract<ToControl, { type: 'input' }>): void {
  inputPending = true;
  void stdinOut.send(
    encodeFrames(
      signer,
      m.identities.map((f) => Buffer.from(f)),
      newHeader('input_request', session),
      m.parent,
      {
        prompt: m.prompt,
        password: m.password,
      },
    ),
  );
}

async function serveStdin(): Promise<void> {
  for await (const frames of stdin) {
    let msg: Message;
    try {
      msg = parseFrames(frames as Buffer[], signer);
    } catch {
      post({ type: 'log', text: 'stdin: dropped a message with a bad signature' });
      continue;
    }
    if (msg.header.msg_type !== 'input_reply' || !inputPending) continue;
    inputPending = false;
    answerInput(shared, String(msg.content.value ?? ''));
  }
}

async function serveControl(): Promise<void> {
  for await (const frames of control) {
    let msg: Message;
    try {
      msg = parseFrames(frames as Buffer[], signer);
    } catch (e) {
      post({
        type: 'log',
        text:
          e instanceof BadSignatureError
            ? 'control: dropped a message with a bad signature'
            : `control: unreadable message (${(e as Error).message})`,
      });
      continue;
    }
    publish('status', msg.header, { execution_state: 'busy' });
    switch (msg.header.msg_type) {
      case 'interrupt_request':
        interruptMainThread();
        await reply(msg, 'interrupt_reply', { status: 'ok' });
        break;
      case 'shutdown_request':
        await reply(msg, 'shutdown_reply', { status: 'ok', restart: !!msg.content.restart });
        publish('status', msg.header, { execution_state: 'idle' });
        post({ type: 'shutdown', restart: !!msg.content.restart });
        continue;
      case 'kernel_info_request':
        await reply(msg, 'kernel_info_reply', kernelInfo);
        break;
      default:
        await reply(msg, msg.header.msg_type.replace(/_request$/, '_reply'), {
          status: 'error',
          ename: 'NotImplemented',
          evalue: `${msg.header.msg_type} is not supported on control`,
          traceback: [],
        });
    }
    publish('status', msg.header, { execution_state: 'idle' });
  }
}

async function serveHeartbeat(): Promise<void> {
  try {
    for await (const frames of heartbeat) await heartbeat.send(frames as Buffer[]).catch(logError);
  } catch {
    /* closed at shutdown */
  }
}

port.on('message', (m: ToControl) => {
  if (m.type === 'iopub') void iopubOut.send(m.frames.map((f) => Buffer.from(f)));
  else if (m.type === 'interrupt-ack') ackWaiter?.();
  else if (m.type === 'input') requestInput(m);
  else if (m.type === 'stop') {
    // The inspector session first: an open one makes process exit wait for a "debugger".
    inspector.disconnect();
    for (const s of [iopub, control, heartbeat, stdin]) s.close();
    post({ type: 'stopped' });
  }
});

void (async () => {
  await Promise.all([
    iopub.bind(url(connection.iopub_port)),
    control.bind(url(connection.control_port)),
    heartbeat.bind(url(connection.hb_port)),
    stdin.bind(url(connection.stdin_port)),
  ]);
  post({ type: 'ready' });
  void serveHeartbeat();
  void serveStdin().catch(() => {
    /* closed at shutdown */
  });
  await serveControl().catch(() => {
    /* closed at shutdown */
  });
})();
