// What a handler may use of the kernel (tslab's JupyterHandler as the model): handlers answer a
// request's content; the kernel owns its state (execution count, history, the current request)
// and the wire. Nothing here lets a handler change the kernel.
import type { Executor } from '../executor/executor';

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
}

export interface KernelContext {
  readonly executor: Executor;
  /** Cells run so far (history_request). */
  readonly history: readonly HistoryEntry[];
  /** Publishes on iopub, under the request being handled. */
  publish(type: string, content: unknown, metadata?: Record<string, unknown>): void;
  /** Waits until everything the running cell printed or displayed is published. */
  settle(): Promise<void>;
  /** Settles when start-up's backend selection has finished (cells wait for it). */
  readonly backendReady: Promise<void>;
}

/** A reply: the kernel sends it as `<type>` with this content (and metadata). */
export interface Reply {
  type: string;
  content: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** A request as handlers see it: its content, metadata and binary buffers (comms carry them). */
export interface Request {
  content: Record<string, any>;
  metadata: Record<string, unknown>;
  buffers: Buffer[];
}

export type Handler = (request: Request, ctx: KernelContext) => Promise<Reply | undefined> | Reply | undefined;
