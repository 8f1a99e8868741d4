import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
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
import type { FromControl, ToControl } from './control-thread';
import { createShared, INPUT, INPUT_WAITING, readAnswer, RUNNING, SIGINT } from './shared';
import { InterruptedError } from '../../lib/interrupt';

export type ShellHandler = (msg: Message) => Promise<void>;

/**
 * The main thread's side of the wire: the shell socket, plus a worker thread that owns heartbeat,
 * control, iopub and stdin (so they answer while a cell runs or waits for input). Every request is
 * signature-checked; a bad signature is logged and dropped, never handled.
 */
export class KernelServer {
  readonly session = crypto.randomUUID();
  private signer: Signer;
  private shell = new zmq.Router();
  private worker!: Worker;
  private shellOut = new SendQueue(this.shell, (e) => this.log(`shell send failed: ${e.message}`));
  private shared = createShared();
  /** Called with the running cell's id when an interrupt for it arrives. */
  onInterrupt: (cell: number) => boolean = () => false;
  onShutdown: (restart: boolean) => void = () => process.exit(0);
  log: (text: string) => void = () => {};

  constructor(
    private connection: ConnectionInfo,
    private kernelInfo: Record<string, unknown>,
  ) {
    this.signer = new Signer(connection.key, connection.signature_scheme);
  }

  private url(port: number): string {
    return `${this.connection.transport}://${this.connection.ip}:${port}`;
  }

  async start(handle: (msg: Message) => Promise<void>): Promise<void> {
    await this.shell.bind(this.url(this.connection.shell_port));
    this.worker = new Worker(path.join(__dirname, 'control-thread.js'), {
      workerData: {
        connection: this.connection,
        session: this.session,
        kernelInfo: this.kernelInfo,
        graceMs: Number(process.env.AMALGAM_INTERRUPT_GRACE_MS ?? 400),
        shared: this.shared.buffers,
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: FromControl) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'log') this.log(m.text);
        else if (m.type === 'interrupt') {
          this.onInterrupt(m.cell);
          this.toControl({ type: 'interrupt-ack' });
        } else if (m.type === 'shutdown') this.onShutdown(m.restart);
      });
      this.worker.on('error', reject);
    });
    void this.serveShell(handle);
  }

  private toControl(m: ToControl): void {
    this.worker.postMessage(m);
  }

  private async serveShell(handle: (msg: Message) => Promise<void>): Promise<void> {
    try {
      await this.shellLoop(handle);
    } catch {
      /* closed at shutdown */
    }
  }

  private async shellLoop(handle: (msg: Message) => Promise<void>): Promise<void> {
    for await (const frames of this.shell) {
      let msg: Message;
      try {
        msg = parseFrames(frames as Buffer[], this.signer);
      } catch (e) {
        this.log(
          e instanceof BadSignatureError
            ? 'shell: dropped a message with a bad signature'
            : `shell: unreadable message (${(e as Error).message})`,
        );
        continue;
      }
      this.publish('status', msg.header, { execution_state: 'busy' });
      try {
        await handle(msg);
      } catch (e) {
        this.log(`shell: handler for ${msg.header.msg_type} failed: ${(e as Error).stack}`);
      }
      this.publish('status', msg.header, { execution_state: 'idle' });
    }
  }

  publish(
    type: string,
    parent: Partial<Header>,
    content: unknown,
    metadata: Record<string, unknown> = {},
    buffers: Buffer[] = [],
  ): void {
    this.toControl({
      type: 'iopub',
      frames: encodeFrames(this.signer, [], newHeader(type, this.session), parent, content, metadata, buffers),
    });
  }

  async reply(request: Message, type: string, content: unknown, metadata: Record<string, unknown> = {}): Promise<void> {
    await this.shellOut.send(
      encodeFrames(this.signer, request.identities, newHeader(type, this.session), request.header, content, metadata),
    );
  }

  /** The cell now running (0: none): interrupts from the control thread target only it. */
  setRunning(cell: number): void {
    Atomics.store(this.shared.state.flags, RUNNING, cell);
  }

  /**
   * Whether a SIGINT just received is for the running cell: false when the control thread raised
   * it for a cell that has finished since (it must not stop the next one). Signals from outside
   * (kill -INT, interrupt_mode signal) always are.
   */
  takeSigint(): boolean {
    const target = Atomics.exchange(this.shared.state.flags, SIGINT, 0);
    return target === 0 || target === Atomics.load(this.shared.state.flags, RUNNING);
  }

  private askInput(request: Message, prompt: string, password: boolean): void {
    Atomics.store(this.shared.state.flags, INPUT, INPUT_WAITING);
    this.toControl({ type: 'input', identities: request.identities, parent: request.header, prompt, password });
  }

  /** Asks the frontend for a line of input on the stdin channel (input_request / input_reply). */
  async requestInput(request: Message, prompt: string, password: boolean): Promise<string> {
    this.askInput(request, prompt, password);
    const waited = Atomics.waitAsync(this.shared.state.flags, INPUT, INPUT_WAITING);
    if (waited.async) await waited.value;
    const answer = readAnswer(this.shared.state);
    if (answer === undefined) throw new InterruptedError();
    return answer;
  }

  /** The same, blocking the main thread until the answer comes (browser-style prompt()). */
  requestInputSync(request: Message, prompt: string, password: boolean): string {
    this.askInput(request, prompt, password);
    Atomics.wait(this.shared.state.flags, INPUT, INPUT_WAITING);
    const answer = readAnswer(this.shared.state);
    if (answer === undefined) throw new InterruptedError();
    return answer;
  }

  /**
   * Ends the process once the last replies are out. Sockets are not closed one by one: closing a
   * socket under a pending receive aborts inside zeromq's native code; exiting is clean.
   */
  exit(code = 0): void {
    zmq.context.blocky = false;
    const done = () => {
      this.shell.close();
      void this.worker.terminate().finally(() => process.exit(code));
    };
    this.worker.once('message', (m: FromControl) => {
      if (m.type === 'stopped') done();
    });
    this.toControl({ type: 'stop' });
    setTimeout(() => process.exit(code), 2000).unref();
  }
}
