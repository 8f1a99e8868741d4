/**
 * Where a training step's time goes on the wasm backend: every kernel registered for wasm is wrapped
 * with a timer, then `model.trainOnBatch` runs the reference CNN and the MLP of bench/train.ts. Prints
 * per step: tfjs kernel calls (those the engine dispatches; kernels our kernels call inside count
 * once, with their caller), time inside kernels, and the rest of the step (tfjs dispatch, tape,
 * layers bookkeeping, garbage collection): "outside kernels". Then the kernels by time.
 *
 * Usage: node dist/bench/train-profile.js [--threads=N] [--steps=N]. Prints one JSON line at the end.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend, setWasmThreads } from '../lib/backend';
import { mlp, referenceCnn } from './train';

interface Profile {
  model: string;
  step_ms: number;
  calls_per_step: number;
  kernel_ms_per_step: number;
  outside_ms_per_step: number;
  top: { kernel: string; calls: number; ms: number }[];
}

const stats = new Map<string, { calls: number; ms: number }>();
let depth = 0;

/** Wraps every wasm kernel once; nested calls (our kernels calling others) are timed with their caller. */
function instrument(): void {
  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: any) => {
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          const s = stats.get(k.kernelName) ?? { calls: 0, ms: 0 };
          s.calls++;
          s.ms += performance.now() - t0;
          stats.set(k.kernelName, s);
        }
      }) as any,
    });
  }
}

async function profile(name: string, model: tf.Sequential, xShape: number[], steps: number): Promise<Profile> {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal(xShape);
  const y = tf.oneHot(tf.randomUniform([xShape[0]], 0, 10, 'int32'), 10);
  for (let i = 0; i < 5; i++) await model.trainOnBatch(x, y);
  stats.clear();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const total = performance.now() - t0;
  tf.dispose([x, y]);
  model.dispose();
  const all = [...stats.entries()].map(([kernel, s]) => ({ kernel, calls: s.calls / steps, ms: s.ms / steps }));
  const kernelMs = all.reduce((a, b) => a + b.ms, 0);
  return {
    model: name,
    step_ms: total / steps,
    calls_per_step: all.reduce((a, b) => a + b.calls, 0),
    kernel_ms_per_step: kernelMs,
    outside_ms_per_step: total / steps - kernelMs,
    top: all.sort((a, b) => b.ms - a.ms).slice(0, 14),
  };
}

async function main(args: string[]): Promise<void> {
  const get = (n: string, d: string) => args.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
  setWasmThreads(Number(get('threads', '2')));
  const steps = Number(get('steps', '30'));
  await useBackend('wasm');
  instrument();
  const out = [
    await profile('reference CNN, batch 64', referenceCnn(), [64, 28, 28, 1], steps),
    await profile('MLP 64-256-128-10, batch 128', mlp(), [128, 64], steps * 10),
  ];
  for (const p of out) {
    console.log(
      `${p.model}: ${p.step_ms.toFixed(2)} ms/step, ${p.calls_per_step.toFixed(0)} kernel calls, ${p.kernel_ms_per_step.toFixed(2)} ms in kernels, ${p.outside_ms_per_step.toFixed(2)} ms outside`,
    );
    for (const t of p.top)
      console.log(`  ${t.kernel.padEnd(28)} ${t.calls.toFixed(1).padStart(6)} calls ${t.ms.toFixed(3).padStart(8)} ms`);
  }
  console.log(JSON.stringify(out));
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
