import * as tf from '@tensorflow/tfjs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker as NodeWorker } from 'node:worker_threads';

/**
 * Runs the wasm backend's threaded SIMD build (XNNPACK on a pthread pool) under Node. tfjs turns it
 * off in Node (tfjs issue 3830) for three reasons, each handled here:
 *  1. the WASM_HAS_MULTITHREAD_SUPPORT flag answers false under Node: we set it;
 *  2. emscripten starts pthreads as `new Worker(blobURL)` and sends the main script as a Blob, which
 *     Node's worker_threads cannot load: a Worker subclass swaps in the package's own worker source
 *     (eval) and the main script's file path (wasm-out/, shipped in the package);
 *  3. the C++ picks `emscripten_num_logical_cores() / 2` threads at most (it assumes hyper-threading),
 *     1 on a 2-core machine: `os.cpus()` reports twice the wanted count while the module starts.
 */
let requested: number | undefined;
let started: number | undefined;

/** Threads the next wasm initialisation uses: setWasmThreads(n), else AMALGAM_THREADS, else every core. */
export function wantedThreads(): number {
  const env = Number(process.env.AMALGAM_THREADS);
  const n = requested ?? (Number.isInteger(env) && env > 0 ? env : os.cpus().length);
  return Math.max(1, Math.min(8, n)); // the package pre-spawns 8 workers: its ceiling
}

/** Sets the wasm thread count; takes effect when the wasm backend initialises (restart the kernel to change it after). */
export function setWasmThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`thread count must be a positive integer, got ${n}`);
  requested = n;
}

/** Threads the running wasm backend actually uses (undefined before it starts). */
export function wasmThreads(): number | undefined {
  return started;
}

function wasmOut(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

let workerInstalled = false;
function installWorker(): void {
  if (workerInstalled) return;
  const dir = wasmOut();
  // The same escaping tfjs applies before turning this source into a Blob.
  const source: string = require(
    path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ).wasmWorkerContents.replace(/\n/g, '\\n');
  const mainScript = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, opts?: any) {
      const blob = String(url).startsWith('blob:');
      super(blob ? source : url, blob ? { ...opts, eval: true } : opts);
      this.unref(); // idle pthreads must not keep a script alive
    }
    /** emscripten refs a worker when it starts a pthread on it; XNNPACK's pool threads run for the
     * life of the process, so that would keep every script (and test file) from exiting. The main
     * thread waits for them synchronously inside each kernel: no work is lost by staying unref'd. */
    ref(): this {
      return this;
    }
    postMessage(msg: any, transfer?: any): void {
      if (msg && msg.cmd === 'load' && typeof msg.urlOrBlob !== 'string') msg = { ...msg, urlOrBlob: mainScript };
      super.postMessage(msg, transfer);
    }
  }
  // emscripten assigns global.Worker = worker_threads.Worker while it starts; keep ours in place.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  workerInstalled = true;
}

/**
 * Initialises tfjs's wasm backend with `wantedThreads()` threads. One thread uses the plain SIMD
 * build (no workers). Returns the thread count XNNPACK reports.
 */
export async function initWasm(setBackend: () => Promise<boolean>): Promise<boolean> {
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const n = wantedThreads();
  const threaded = n > 1;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threaded);
  if (threaded) installWorker();
  wasm.setThreadsCount(n);
  const nodeOs = require('node:os'); // the module object itself: the wasm loader calls require('os').cpus()
  const cpus = nodeOs.cpus;
  if (threaded)
    nodeOs.cpus = () => {
      const c = cpus.call(nodeOs);
      return Array.from({ length: 2 * n }, (_, i) => c[i % c.length]);
    };
  try {
    const ok = await setBackend();
    if (ok) started = wasm.getThreadsCount();
    return ok;
  } finally {
    nodeOs.cpus = cpus;
  }
}
