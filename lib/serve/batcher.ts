// Dynamic batching: concurrent requests for the same version and the same outputs are merged into
// one predict call (up to maxBatch rows, or whatever arrived within maxDelayMs of the first one),
// and each request gets its own rows back. With batching off, each request runs alone.
import type { Executor } from './executor';
import type { LoadedVersion } from './holder';
import type { Batch, OutputTensor } from './tensors';

export interface BatchingOptions {
  /** Rows per merged predict (default 64). 1 turns batching off. */
  maxBatch?: number;
  /** How long the first request of a batch waits for others (default 2 ms; 0 merges what arrived in the same turn of the event loop). */
  maxDelayMs?: number;
}

export interface BatchObserver {
  batch(rows: number, requests: number): void;
  queueDelay(seconds: number): void;
}

interface Item {
  batch: Batch;
  enqueued: number;
  resolve(out: Record<string, OutputTensor>): void;
  reject(e: Error): void;
}

interface Queue {
  version: LoadedVersion;
  outputs: string[];
  items: Item[];
  rows: number;
  timer?: NodeJS.Timeout | NodeJS.Immediate;
}

export const DEFAULT_BATCHING: Required<BatchingOptions> = { maxBatch: 64, maxDelayMs: 2 };

export class Batcher {
  private queues = new Map<string, Queue>();
  /** Batches computing now (only a worker executor overlaps them with request handling). */
  private running = 0;
  /** Queues whose delay ran out while a batch was computing: they go when it is done. */
  private deferred = new Set<string>();
  readonly maxBatch: number;
  readonly maxDelayMs: number;

  constructor(
    private executor: Executor,
    options: BatchingOptions = {},
    private observer?: BatchObserver,
    /** Outputs computed with every predict of a version besides the asked ones (the served-traffic sample's representations). */
    private extra?: (version: LoadedVersion) => string[],
  ) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_BATCHING.maxBatch));
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? DEFAULT_BATCHING.maxDelayMs);
  }

  /**
   * Computes `outputs` for the batch's rows, merged with concurrent requests when batching is on.
   * The result also holds the extra outputs, in the same predict call.
   */
  predict(version: LoadedVersion, batch: Batch, outputs: string[]): Promise<Record<string, OutputTensor>> {
    if (this.maxBatch === 1 || batch.n >= this.maxBatch) {
      this.observer?.batch(batch.n, 1);
      this.observer?.queueDelay(0);
      return run(this.executor, version, this.withExtra(version, outputs), [batch]).then((r) => r[0]);
    }
    const key = `${version.id}\0${[...outputs].sort().join('\0')}`;
    return new Promise((resolve, reject) => {
      let q = this.queues.get(key);
      if (q && q.rows + batch.n > this.maxBatch) {
        this.flush(key, undefined, true);
        q = undefined;
      }
      if (!q) {
        const fresh: Queue = { version, outputs: this.withExtra(version, outputs), items: [], rows: 0 };
        const fire = () => this.flush(key, fresh);
        fresh.timer = this.maxDelayMs === 0 ? setImmediate(fire) : setTimeout(fire, this.maxDelayMs);
        this.queues.set(key, fresh);
        q = fresh;
      }
      q.items.push({ batch, enqueued: performance.now(), resolve, reject });
      q.rows += batch.n;
      if (q.rows >= this.maxBatch) this.flush(key, undefined, true);
    });
  }

  private withExtra(version: LoadedVersion, outputs: string[]): string[] {
    const extra = this.extra?.(version) ?? [];
    return extra.every((o) => outputs.includes(o))
      ? outputs
      : [...outputs, ...extra.filter((o) => !outputs.includes(o))];
  }

  private flush(key: string, expected?: Queue, force = false): void {
    const q = this.queues.get(key);
    if (!q || (expected && q !== expected)) return;
    // While the executor is busy a partial batch keeps growing: it could not start sooner anyway.
    if (this.running > 0 && q.rows < this.maxBatch && !force) {
      this.deferred.add(key);
      return;
    }
    this.deferred.delete(key);
    this.queues.delete(key);
    clearTimeout(q.timer as NodeJS.Timeout);
    clearImmediate(q.timer as NodeJS.Immediate);
    const now = performance.now();
    this.observer?.batch(q.rows, q.items.length);
    for (const item of q.items) this.observer?.queueDelay((now - item.enqueued) / 1000);
    this.running++;
    run(
      this.executor,
      q.version,
      q.outputs,
      q.items.map((i) => i.batch),
    )
      .then(
        (results) => q.items.forEach((item, i) => item.resolve(results[i])),
        (e) => {
          for (const item of q.items) item.reject(e as Error);
        },
      )
      .finally(() => {
        this.running--;
        if (this.running === 0) for (const k of [...this.deferred]) this.flush(k, undefined, true);
      });
  }
}

/** One predict over the batches' rows concatenated; the outputs split back per batch. */
async function run(
  executor: Executor,
  version: LoadedVersion,
  outputs: string[],
  batches: Batch[],
): Promise<Record<string, OutputTensor>[]> {
  const rows = batches.reduce((s, b) => s + b.n, 0);
  let data: Float32Array;
  if (batches.length === 1) data = batches[0].data;
  else {
    data = new Float32Array(batches.reduce((s, b) => s + b.data.length, 0));
    let at = 0;
    for (const b of batches) {
      data.set(b.data, at);
      at += b.data.length;
    }
  }
  const computed = await executor.run(version, outputs, data, rows);
  let start = 0;
  return batches.map((b) => {
    const part: Record<string, OutputTensor> = {};
    for (const name of outputs) {
      const { data: all, shape } = computed[name];
      const per = all.length / rows;
      part[name] = {
        data: batches.length === 1 ? all : all.slice(start * per, (start + b.n) * per),
        shape: [b.n, ...shape.slice(1)],
      };
    }
    start += b.n;
    return part;
  });
}
