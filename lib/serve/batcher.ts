// Dynamic batching: concurrent requests for the same version and the same outputs are merged into
// one predict call (up to maxBatch rows, or whatever arrived within maxDelayMs of the first one),
// and each request gets its own rows back. With batching off, each request runs alone.
import * as tf from '@tensorflow/tfjs';
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
  readonly maxBatch: number;
  readonly maxDelayMs: number;

  constructor(
    options: BatchingOptions = {},
    private observer?: BatchObserver,
  ) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_BATCHING.maxBatch));
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? DEFAULT_BATCHING.maxDelayMs);
  }

  /** Computes `outputs` for the batch's rows, merged with concurrent requests when batching is on. */
  predict(version: LoadedVersion, batch: Batch, outputs: string[]): Promise<Record<string, OutputTensor>> {
    if (this.maxBatch === 1 || batch.n >= this.maxBatch) {
      this.observer?.batch(batch.n, 1);
      this.observer?.queueDelay(0);
      try {
        return Promise.resolve(run(version, outputs, [batch])[0]);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const key = `${version.id}\0${[...outputs].sort().join('\0')}`;
    return new Promise((resolve, reject) => {
      let q = this.queues.get(key);
      if (q && q.rows + batch.n > this.maxBatch) {
        this.flush(key);
        q = undefined;
      }
      if (!q) {
        const fresh: Queue = { version, outputs, items: [], rows: 0 };
        const fire = () => this.flush(key, fresh);
        fresh.timer = this.maxDelayMs === 0 ? setImmediate(fire) : setTimeout(fire, this.maxDelayMs);
        this.queues.set(key, fresh);
        q = fresh;
      }
      q.items.push({ batch, enqueued: performance.now(), resolve, reject });
      q.rows += batch.n;
      if (q.rows >= this.maxBatch) this.flush(key);
    });
  }

  private flush(key: string, expected?: Queue): void {
    const q = this.queues.get(key);
    if (!q || (expected && q !== expected)) return;
    this.queues.delete(key);
    clearTimeout(q.timer as NodeJS.Timeout);
    clearImmediate(q.timer as NodeJS.Immediate);
    const now = performance.now();
    this.observer?.batch(q.rows, q.items.length);
    for (const item of q.items) this.observer?.queueDelay((now - item.enqueued) / 1000);
    try {
      const results = run(
        q.version,
        q.outputs,
        q.items.map((i) => i.batch),
      );
      q.items.forEach((item, i) => item.resolve(results[i]));
    } catch (e) {
      for (const item of q.items) item.reject(e as Error);
    }
  }
}

/** One predict over the batches' rows concatenated; the outputs split back per batch. */
function run(version: LoadedVersion, outputs: string[], batches: Batch[]): Record<string, OutputTensor>[] {
  const input = version.model.config.input;
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
  const computed: Record<string, { data: Float32Array | Int32Array; shape: number[] }> = {};
  const x = tf.tensor(data, [rows, ...input], 'float32');
  try {
    const out = version.model.predict(x, { outputs });
    try {
      for (const name of outputs)
        computed[name] = { data: out[name].dataSync() as Float32Array | Int32Array, shape: out[name].shape };
    } finally {
      tf.dispose(Object.values(out));
    }
  } finally {
    x.dispose();
  }
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
