import * as fs from 'node:fs';
import { setCommTransport } from '../lib/comm';
import { setDisplaySink } from '../lib/display/output';
import { toMimeBundle } from '../lib/display/registry';
import { setInputProvider } from '../lib/input';
import { setCurrentSignal } from '../lib/interrupt';
import { Executor } from './executor/executor';
import { kernelInfo } from './handlers/info';
import { handlers } from './handlers/index';
import './magics/index';
import { OutputQueue } from './output/queue';
import { StreamCapture } from './output/streams';
import type { ConnectionInfo, Message } from './protocol/message';
import { KernelServer } from './protocol/server';

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
}

/** The running kernel: the wire server, the executor, output capture and the state handlers share. */
export class Kernel {
  readonly server: KernelServer;
  readonly executor = new Executor(process.cwd());
  readonly streams: StreamCapture;
  readonly output = new OutputQueue();
  executionCount = 0;
  readonly history: HistoryEntry[] = [];
  /** The request whose outputs iopub messages belong to (the running cell, or the last one). */
  parent: Message | undefined;
  /** Settles when start-up's backend selection has finished (execute waits for it). */
  backendReady: Promise<void> = Promise.resolve();
  private abort = new AbortController();
  private cellStartedAt = 0;

  constructor(connection: ConnectionInfo) {
    this.server = new KernelServer(connection, kernelInfo());
    this.streams = new StreamCapture((name, text) => {
      const parent = this.parent;
      void this.output.push(text, (t) => this.publishTo(parent, 'stream', { name, text: t }));
    });
  }

  publish(type: string, content: unknown, metadata: Record<string, unknown> = {}, buffers: Buffer[] = []): void {
    this.publishTo(this.parent, type, content, metadata, buffers);
  }

  /** Outputs keep the parent they were produced under, even when published after a wait. */
  publishTo(
    parent: Message | undefined,
    type: string,
    content: unknown,
    metadata: Record<string, unknown> = {},
    buffers: Buffer[] = [],
  ): void {
    this.server.publish(type, parent?.header ?? {}, content, metadata, buffers);
  }

  /** Everything the running cell printed or displayed, published. */
  async settle(): Promise<void> {
    this.streams.flush();
    await this.output.drain();
  }

  /** A fresh interrupt signal for the cell about to run. */
  newSignal(): AbortSignal {
    this.abort = new AbortController();
    this.cellStartedAt = Date.now();
    setCurrentSignal(this.abort.signal);
    return this.abort.signal;
  }

  /** `at`: when the interrupt was asked for; one asked for before the running cell started is stale. */
  interrupt(at = Date.now()): boolean {
    if (this.abort.signal.aborted || at < this.cellStartedAt) return false;
    this.abort.abort();
    return true;
  }

  async start(): Promise<void> {
    this.streams.install();
    this.server.log = (t) => this.streams.log(t);
    this.server.onInterrupt = (at) => this.interrupt(at);
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
      send: (type, content, metadata = {}, buffers = []) => this.publish(type, content, metadata, buffers),
    });
    setInputProvider(async (prompt, password) => {
      const request = this.parent;
      if (!request?.content.allow_stdin)
        throw new Error('input(): this frontend does not accept input (allow_stdin is false)');
      this.streams.flush();
      return this.server.requestInput(request, prompt, password);
    });
    // A rejection or exception after a cell finished is reported in the notebook, never fatal.
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
    process.on('SIGINT', () => this.interrupt());
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

  private onRejection = (reason: unknown) => this.reportBackground('Unhandled promise rejection', reason);
  private onException = (error: unknown) => this.reportBackground('Uncaught exception', error);

  /**
   * Libraries may install process-wide handlers that rethrow (emscripten's glue in tfjs-backend-wasm
   * does), which would turn a late error in a notebook into a dead kernel: only ours stay.
   */
  guardProcessHandlers(): void {
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
    const handler = handlers[msg.header.msg_type];
    if (!handler) {
      this.streams.log(`no handler for ${msg.header.msg_type}`);
      return;
    }
    await handler(this, msg);
  }

  /** The mime bundle of a cell's value, or an error text if rendering itself failed. */
  async bundleOf(value: unknown): Promise<Record<string, unknown>> {
    try {
      return await toMimeBundle(value);
    } catch (e) {
      return { 'text/plain': `<display failed: ${(e as Error).message}>` };
    }
  }
}

export async function startKernel(connectionFile: string): Promise<Kernel> {
  const connection = JSON.parse(fs.readFileSync(connectionFile, 'utf8')) as ConnectionInfo;
  const kernel = new Kernel(connection);
  await kernel.start();
  return kernel;
}
