/**
 * The kernel's second thread: heartbeat, control and iopub. It stays responsive while a cell keeps
 * the main thread busy, so an interrupt can stop even `while (true) {}`: it asks the main thread
 * first (a cooperative stop at the next await), and if the main thread does not answer in time it
 * terminates the running JavaScript through the inspector, which V8 cancels once the user's code
 * has unwound, leaving the kernel and its state intact.
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

export type ToControl = { type: 'iopub'; frames: Buffer[] } | { type: 'interrupt-ack' } | { type: 'stop' };

export type FromControl =
  | { type: 'ready' }
  | { type: 'interrupt'; at: number }
  | { type: 'shutdown'; restart: boolean }
  | { type: 'log'; text: string }
  | { type: 'stopped' };

interface Init {
  connection: ConnectionInfo;
  session: string;
  kernelInfo: Record<string, unknown>;
  graceMs: number;
}

const { connection, session, kernelInfo, graceMs } = workerData as Init;
const signer = new Signer(connection.key, connection.signature_scheme);
const url = (port: number) => `${connection.transport}://${connection.ip}:${port}`;
const port = parentPort!;
const post = (m: FromControl) => port.postMessage(m);

const iopub = new zmq.Publisher();
const control = new zmq.Router();
const heartbeat = new zmq.Reply();
let ackWaiter: (() => void) | undefined;
const logError = (e: Error) => post({ type: 'log', text: `send failed: ${e.message}` });
const iopubOut = new SendQueue(iopub, logError);
const controlOut = new SendQueue(control, logError);

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
  // When it was asked: a message the busy main thread reads only later must not stop the next cell.
  const at = Date.now();
  let acked = false;
  ackWaiter = () => {
    acked = true;
  };
  post({ type: 'interrupt', at });
  setTimeout(() => {
    if (acked) return;
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => {
      if (acked) return;
      inspector.post('Runtime.terminateExecution', () => post({ type: 'interrupt', at }));
    }, graceMs);
  }, graceMs);
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
  else if (m.type === 'stop') {
    // The inspector session first: an open one makes process exit wait for a "debugger".
    inspector.disconnect();
    for (const s of [iopub, control, heartbeat]) s.close();
    post({ type: 'stopped' });
  }
});

void (async () => {
  await Promise.all([
    iopub.bind(url(connection.iopub_port)),
    control.bind(url(connection.control_port)),
    heartbeat.bind(url(connection.hb_port)),
  ]);
  post({ type: 'ready' });
  void serveHeartbeat();
  await serveControl().catch(() => {
    /* closed at shutdown */
  });
})();
