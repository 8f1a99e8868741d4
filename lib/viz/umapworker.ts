// Worker threads for UMAP's layout SGD: a pool on the main side (umapMany), and the worker side,
// which is this same file loaded in a thread. It imports only the SGD and the generator, so a
// worker starts in milliseconds (no tfjs, no umap-js).
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { InterruptedError } from '../interrupt';
import { mulberry32 } from './rng';
import { type LayoutState, optimizeLayout } from './umaplayout';

interface Job {
  id: number;
  y: Float64Array;
  state: LayoutState;
  epochs: number;
  seed: number;
}

export function availableParallelism(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** A few workers that run layouts; each job gets back the same coordinates the main thread would compute. */
export class LayoutPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { job: Job; resolve: (y: Float32Array) => void; reject: (e: Error) => void }[] = [];
  private pending = new Map<number, { resolve: (y: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(__filename, { workerData: { umapLayout: true } });
      w.unref();
      w.on('message', (m: { id: number; y: Float64Array }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(Float32Array.from(m.y));
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  run(y: Float64Array, state: LayoutState, epochs: number, seed: number, signal?: AbortSignal): Promise<Float32Array> {
    const job: Job = {
      id: this.nextId++,
      y,
      epochs,
      seed,
      state: {
        ...state,
        head: Int32Array.from(state.head),
        tail: Int32Array.from(state.tail),
        epochsPerSample: Float64Array.from(state.epochsPerSample),
      },
    };
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new InterruptedError());
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push({
        job,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject,
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const { job, resolve, reject } = this.queue.shift()!;
      this.pending.set(job.id, { resolve, reject });
      const s = job.state as unknown as { head: Int32Array; tail: Int32Array; epochsPerSample: Float64Array };
      w.postMessage(job, [job.y.buffer, s.head.buffer, s.tail.buffer, s.epochsPerSample.buffer] as ArrayBuffer[]);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

if (!isMainThread && workerData?.umapLayout) {
  parentPort!.on('message', async (job: Job) => {
    await optimizeLayout(job.y, job.state, job.epochs, mulberry32(job.seed));
    parentPort!.postMessage({ id: job.id, y: job.y }, [job.y.buffer as ArrayBuffer]);
  });
}
