// Where predict runs. Inline: on the event loop, as a notebook's own predict does. Worker: in a
// worker thread with its own tfjs and its own copy of each served version, so the event loop keeps
// parsing and answering requests while a batch computes (the two overlap; inline they take turns).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ModelError } from '../model/errors';
import type { LoadedVersion } from './holder';
import type { OutputTensor } from './tensors';

export interface Executor {
  /** Computes `outputs` for `rows` inputs (flat, row-major), outputs read back. */
  run(
    version: LoadedVersion,
    outputs: string[],
    data: Float32Array,
    rows: number,
  ): Promise<Record<string, OutputTensor>>;
  loaded(version: LoadedVersion): void;
  disposed(version: LoadedVersion): void;
  /** tfjs memory where predict runs. */
  memory(): Promise<{ numTensors: number; numBytes: number }>;
  close(): Promise<void>;
}

/** Runs predict on this thread with the holder's own model. */
export function inlineExecutor(): Executor {
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  return {
    async run(version, outputs, data, rows) {
      const x = tf.tensor(data, [rows, ...version.model.config.input], 'float32');
      try {
        const out = version.model.predict(x, { outputs });
        try {
          return Object.fromEntries(
            outputs.map((name) => [
              name,
              { data: out[name].dataSync() as Float32Array | Int32Array, shape: out[name].shape },
            ]),
          );
        } finally {
          tf.dispose(Object.values(out));
        }
      } finally {
        x.dispose();
      }
    },
    loaded() {},
    disposed() {},
    async memory() {
      const m = tf.memory();
      return { numTensors: m.numTensors, numBytes: m.numBytes };
    },
    async close() {},
  };
}

type Reply =
  | { id: number; ok: true; outputs?: Record<string, OutputTensor>; memory?: { numTensors: number; numBytes: number } }
  | { id: number; ok: false; error: string; kind: string };

/** Runs predict in a worker thread (lib/serve/worker.ts) that loads each version from the registry. */
export function workerExecutor(registry: string, threads?: number): Executor {
  const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: { registry, threads } });
  worker.unref();
  const pending = new Map<number, { resolve(r: any): void; reject(e: Error): void }>();
  let next = 0;
  let dead: Error | undefined;
  worker.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r);
    else p.reject(r.kind === 'ModelError' ? new ModelError(r.error) : new Error(r.error));
  });
  const fail = (e: Error) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the predict worker exited (${code})`)));
  const call = (message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<any> => {
    if (dead) return Promise.reject(dead);
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref(); // a request waits on it
      worker.postMessage({ ...message, id }, transfer);
    }).finally(() => {
      if (!pending.size) worker.unref();
    });
  };
  const key = (v: LoadedVersion) => `${v.name}@${v.id}`;
  return {
    async run(version, outputs, data, rows) {
      const copy = data.slice(); // the worker takes the buffer
      const r = await call({ type: 'predict', key: key(version), outputs, data: copy, rows }, [copy.buffer]);
      return r.outputs;
    },
    loaded(version) {
      void call({ type: 'load', key: key(version), name: version.name, version: version.id }).catch(() => {});
    },
    disposed(version) {
      void call({ type: 'dispose', key: key(version) }).catch(() => {});
    },
    async memory() {
      return (await call({ type: 'memory' })).memory;
    },
    async close() {
      // The worker frees its models first; terminate can wait on wasm pool threads parked in a
      // futex, so it gets two seconds (the thread is unref'd and cannot keep the process alive).
      await Promise.race([call({ type: 'close' }), new Promise((r) => setTimeout(r, 2000))]).catch(() => {});
      fail(new Error('the server is closing'));
      worker.removeAllListeners('exit');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([worker.terminate(), new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
    },
  };
}
