import * as fs from 'node:fs';
import { setCommTransport } from '../lib/comm';
import { setDisplaySink } from '../lib/display/output';
import { setInputProvider } from '../lib/input';
import { setCurrentSignal } from '../lib/interrupt';
import { Executor } from './executor/executor';
import type { HistoryEntry, KernelContext, Request } from './handlers/context';
import { execute } from './handlers/execute';
import { handlers } from './handlers/index';
import { kernelInfo } from './handlers/info';
import './magics/index';
import { OutputQueue } from './output/queue';
import { StreamCapture } from './output/streams';
import type { ConnectionInfo, Message } from './protocol/message';
import { KernelServer } from './protocol/server';

/**
 * The running kernel: the wire server, the executor, output capture, and the state every request
 * shares (execution count, history, the request outputs belong to, the running cell). Handlers get
 * a KernelContext and return replies; only the kernel changes its state.
 */
export class Kernel {
  readonly server: KernelServer;
  readonly executor = new Executor(process.cwd());
  readonly streams: StreamCapture;
  readonly output = new OutputQueue();
  private executionCount = 0;
  private readonly history: HistoryEntry[] = [];
  /** The request whose outputs iopub messages belong to (the running cell, or the last one). */
  private parent: Message | undefined;
  /** Ids cells run under, so an interrupt stops the cell it was meant for and no later one. */
  private cellSeq = 0;
  private runningCell = 0;
  /** Settles when start-up's backend selection has finished (execute waits for it). */
  private backendReady: Promise<void> = Promise.resolve();
  private abort = new AbortController();

  constructor(connection: ConnectionInfo) {
    this.server = new KernelServer(connection, kernelInfo());
    this.streams = new StreamCapture((name, text) => {
      const parent = this.parent;
      void this.output.push(text, (t) => this.publishTo(parent, 'stream', { name, text: t }));
    });
  }

  /** What handlers may use: the executor, the history, publishing and settling outputs. */
  private context(): KernelContext {
    return {
      executor: this.executor,
      history: this.history,
      backendReady: this.backendReady,
      publish: (type, content, metadata) => this.publishTo(this.parent, type, content, metadata),
      settle: () => this.settle(),
    };
  }

  /** Outputs keep the parent they were produced under, even when published after a wait. */
  private publishTo(
    parent: Message | undefined,
    type: string,
    content: unknown,
    metadata: Record<string, unknown> = {},
    buffers: Buffer[] = [],
  ): void {
    this.server.publish(type, parent?.header ?? {}, content, metadata, buffers);
  }

  /** Everything the running cell printed or displayed, published. */
  private async settle(): Promise<void> {
    this.streams.flush();
    await this.output.drain();
  }

  /** Stops the running cell (or cell `cell`, when given): false when it is not running. */
  interrupt(cell = this.runningCell): boolean {
    if (!this.runningCell || cell !== this.runningCell || this.abort.signal.aborted) return false;
    this.abort.abort();
    return true;
  }

  async start(): Promise<void> {
    this.streams.install();
    this.server.log = (t) => this.streams.log(t);
    this.server.onInterrupt = (cell) => this.interrupt(cell);
    this.server.onShutdown = () => {
      void this.settle().finally(() => this.server.exit());
    };
    setDisplaySink({
      display: (bundle, options) => {
        this.streams.flush();
        const parent = this.parent;
        const transient = options.id ? { display_id: options.id } : {};
        const type = options.update ? 'update_display_data' : 'display_data';
        return this.output.push(
          bundle,
          (data) => this.publishTo(parent, type, { data, metadata: options.metadata ?? {}, transient }),
          (e) =>
            this.publishTo(parent, 'stream', { name: 'stderr', text: `display failed: ${(e as Error).message}\n` }),
        );
      },
      clear: (wait) => {
        this.streams.flush();
        const parent = this.parent;
        void this.output.push(null, () => this.publishTo(parent, 'clear_output', { wait }));
      },
    });
    setCommTransport({
      send: (type, content, metadata = {}, buffers = []) =>
        this.publishTo(this.parent, type, content, metadata, buffers),
    });
    setInputProvider({
      ask: async (prompt, password) => {
        const request = this.inputRequest();
        this.streams.flush();
        return this.server.requestInput(request, prompt, password);
      },
      askSync: (prompt, password) => {
        const request = this.inputRequest();
        this.streams.flush();
        return this.server.requestInputSync(request, prompt, password);
      },
    });
    // A rejection or exception after a cell finished is reported in the notebook, never fatal.
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
    process.on('SIGINT', () => {
      if (this.server.takeSigint()) this.interrupt();
    });
    await this.server.start((msg) => this.handle(msg));
    // Pick the tfjs backend while the user looks at an empty notebook, not during the first cell.
    // Load the library (its renderers for tables and models) the same way.
    // A cell that arrives first waits for the selection (tfjs throws "Backend 'wasm' has not yet been
    // initialized" while the threaded wasm backend is still starting).
    this.backendReady = new Promise<void>((resolve) =>
      setImmediate(() => {
        const backend: typeof import('../lib/backend') = require('../lib/backend');
        backend
          .selectBackend()
          .catch((e) => this.streams.log(`backend: ${e.message}`))
          .finally(() => {
            this.guardProcessHandlers();
            resolve();
          });
        try {
          require('../lib/index');
        } catch (e) {
          this.streams.log(`library: ${(e as Error).message}`);
        }
      }),
    );
  }

  private inputRequest(): Message {
    const request = this.parent;
    if (!request?.content.allow_stdin)
      throw new Error('input(): this frontend does not accept input (allow_stdin is false)');
    return request;
  }

  private onRejection = (reason: unknown) => this.reportBackground('Unhandled promise rejection', reason);
  private onException = (error: unknown) => this.reportBackground('Uncaught exception', error);

  /**
   * Libraries may install process-wide handlers that rethrow (emscripten's glue in tfjs-backend-wasm
   * does), which would turn a late error in a notebook into a dead kernel: only ours stay.
   */
  private guardProcessHandlers(): void {
    for (const [event, ours] of [
      ['uncaughtException', this.onException],
      ['unhandledRejection', this.onRejection],
    ] as const) {
      for (const l of process.listeners(event as any)) if (l !== ours) process.removeListener(event as any, l as any);
    }
  }

  private reportBackground(what: string, reason: unknown): void {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    this.streams.flush();
    const parent = this.parent;
    void this.output.push(null, () =>
      this.publishTo(parent, 'stream', {
        name: 'stderr',
        text: `${what} (after a cell finished): ${err.stack ?? err.message}\n`,
      }),
    );
  }

  private async handle(msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    const request: Request = { content: msg.content, metadata: msg.metadata, buffers: msg.buffers };
    if (type === 'execute_request') return this.runExecute(msg, request);
    if (type === 'shutdown_request') {
      await this.server.reply(msg, 'shutdown_reply', { status: 'ok', restart: !!msg.content.restart });
      await this.settle();
      return this.server.exit();
    }
    const handler = handlers[type];
    if (!handler) return this.streams.log(`no handler for ${type}`);
    // Comms may print or display: their outputs belong to the message that brought them.
    if (type.startsWith('comm_')) this.parent = msg;
    const reply = await handler(request, this.context());
    if (reply) await this.server.reply(msg, reply.type, reply.content, reply.metadata);
  }

  /** busy → execute_input → outputs → execute_result | error → execute_reply → idle. */
  private async runExecute(msg: Message, request: Request): Promise<void> {
    const { code = '', silent = false, store_history = true } = msg.content;
    const store = store_history && !silent;
    if (store) this.executionCount++;
    const count = this.executionCount;
    this.parent = msg;
    if (!silent) this.publishTo(msg, 'execute_input', { code, execution_count: count });
    if (store) this.history.push({ session: 1, line: count, input: code });
    this.abort = new AbortController();
    setCurrentSignal(this.abort.signal);
    this.runningCell = ++this.cellSeq;
    this.server.setRunning(this.runningCell);
    let reply: Awaited<ReturnType<typeof execute>>;
    try {
      reply = await execute(request, this.context(), count);
    } finally {
      this.runningCell = 0;
      this.server.setRunning(0);
    }
    this.guardProcessHandlers();
    await this.server.reply(msg, reply.type, reply.content, reply.metadata);
  }
}

export async function startKernel(connectionFile: string): Promise<Kernel> {
  const connection = JSON.parse(fs.readFileSync(connectionFile, 'utf8')) as ConnectionInfo;
  const kernel = new Kernel(connection);
  await kernel.start();
  return kernel;
}
