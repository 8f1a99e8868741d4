import { randomUUID } from 'node:crypto';

/** Jupyter comms: a channel between kernel-side code and frontend widgets. */
export interface CommMessage {
  data: any;
  metadata: Record<string, unknown>;
  buffers: Buffer[];
}

/** What the kernel provides to send comm messages on iopub. */
export interface CommTransport {
  send(
    type: 'comm_open' | 'comm_msg' | 'comm_close',
    content: Record<string, unknown>,
    metadata?: Record<string, unknown>,
    buffers?: Buffer[],
  ): void;
}

export class Comm {
  private handlers: ((msg: CommMessage) => void)[] = [];
  private closeHandlers: ((msg: CommMessage) => void)[] = [];
  closed = false;

  constructor(
    readonly id: string,
    readonly target: string,
  ) {}

  send(data: unknown, metadata: Record<string, unknown> = {}, buffers: Buffer[] = []): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.target}) is closed`);
    transport?.send('comm_msg', { comm_id: this.id, data }, metadata, buffers);
  }

  close(data: unknown = {}): void {
    if (this.closed) return;
    this.closed = true;
    comms.delete(this.id);
    transport?.send('comm_close', { comm_id: this.id, data });
  }

  onMsg(handler: (msg: CommMessage) => void): this {
    this.handlers.push(handler);
    return this;
  }
  onClose(handler: (msg: CommMessage) => void): this {
    this.closeHandlers.push(handler);
    return this;
  }

  /** Called by the kernel when the frontend sends comm_msg. */
  _receive(msg: CommMessage): void {
    for (const h of this.handlers) h(msg);
  }
  /** Called by the kernel when the frontend sends comm_close. */
  _closed(msg: CommMessage): void {
    this.closed = true;
    comms.delete(this.id);
    for (const h of this.closeHandlers) h(msg);
  }
}

export type CommTarget = (comm: Comm, open: CommMessage) => void;

let transport: CommTransport | undefined;
const comms = new Map<string, Comm>();
const targets = new Map<string, CommTarget>();

export function setCommTransport(next: CommTransport | undefined): void {
  transport = next;
}

export const comm = {
  /** Opens a comm to the frontend's `target`. */
  open(target: string, data: unknown = {}, metadata: Record<string, unknown> = {}): Comm {
    const c = new Comm(randomUUID(), target);
    comms.set(c.id, c);
    transport?.send('comm_open', { comm_id: c.id, target_name: target, data }, metadata);
    return c;
  },
  /** Handles comms the frontend opens to `target`. */
  registerTarget(target: string, handler: CommTarget): void {
    targets.set(target, handler);
  },
  unregisterTarget(target: string): void {
    targets.delete(target);
  },
  get(id: string): Comm | undefined {
    return comms.get(id);
  },
  /** Open comms, optionally only those of one target (comm_info_request). */
  list(target?: string): Comm[] {
    return [...comms.values()].filter((c) => !target || c.target === target);
  },
  /** Kernel side of a frontend comm_open: false when no target is registered. */
  _accept(id: string, target: string, msg: CommMessage): boolean {
    const handler = targets.get(target);
    if (!handler) return false;
    const c = new Comm(id, target);
    comms.set(id, c);
    handler(c, msg);
    return true;
  },
};
