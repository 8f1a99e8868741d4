// The predict worker thread (executor.ts): its own tfjs backend and its own copy of each version the
// server holds, loaded from the registry and verified like any load. Messages are handled in order,
// so a predict sent after a load finds its model.
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, setWasmThreads } from '../backend';
import type { Amalgamation } from '../model/amalgamation';
import { load } from '../registry/versioning';

const models = new Map<string, Amalgamation>();
// One wasm thread unless AMALGAM_THREADS says otherwise: the event loop needs a core for requests,
// and XNNPACK's pool threads spin between batches (on 2 cores they would take the event loop's).
if (workerData.threads) setWasmThreads(workerData.threads);
else if (!process.env.AMALGAM_THREADS) setWasmThreads(1);
const ready = selectBackend();

function handle(m: any): Record<string, unknown> {
  switch (m.type) {
    case 'load': {
      if (!models.has(m.key)) {
        const model = load<Amalgamation>(`${m.name}@${m.version}`, { registry: workerData.registry });
        tf.tidy(() => {
          const out = model.predict(tf.zeros([1, ...model.config.input]), { outputs: model.outputNames });
          for (const t of Object.values(out)) t.dataSync();
        });
        models.set(m.key, model);
      }
      return {};
    }
    case 'dispose':
      models.get(m.key)?.dispose();
      models.delete(m.key);
      return {};
    case 'close':
      for (const model of models.values()) model.dispose();
      models.clear();
      return {};
    case 'memory': {
      const mem = tf.memory();
      return { memory: { numTensors: mem.numTensors, numBytes: mem.numBytes } };
    }
    case 'predict': {
      const model = models.get(m.key);
      if (!model) throw new Error(`the predict worker holds no ${m.key}`);
      const x = tf.tensor(m.data as Float32Array, [m.rows, ...model.config.input], 'float32');
      try {
        const out = model.predict(x, { outputs: m.outputs });
        try {
          return {
            outputs: Object.fromEntries(
              (m.outputs as string[]).map((name) => [
                name,
                { data: out[name].dataSync().slice(), shape: out[name].shape },
              ]),
            ),
          };
        } finally {
          tf.dispose(Object.values(out));
        }
      } finally {
        x.dispose();
      }
    }
  }
  throw new Error(`unknown message ${m.type}`);
}

parentPort!.on('message', async (m) => {
  await ready;
  try {
    const reply = handle(m);
    const transfer = reply.outputs
      ? Object.values(reply.outputs as Record<string, { data: ArrayBufferView }>).map(
          (o) => o.data.buffer as ArrayBuffer,
        )
      : [];
    parentPort!.postMessage({ id: m.id, ok: true, ...reply }, transfer);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ok: false, error: (e as Error).message, kind: (e as Error).name });
  }
});
