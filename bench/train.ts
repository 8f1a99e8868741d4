/**
 * Training speed: the reference CNN (conv 3×3×32 same → max-pool → conv 3×3×64 same → max-pool →
 * dense 128 → 10 on 28×28×1, batch 64, Adam), the MLP (64 → 256 → 128 → 10, batch 128, Adam) and a
 * 1024² matmul, as samples/s (GFLOP/s for the matmul), for amalgam's wasm backend (all threads and
 * one thread), the cpu backend where it is cheap, and PyTorch CPU (bench/py/train_baseline.py) with
 * the same thread counts, in the same run. Then peak RSS while fitting the reference CNN on
 * Fashion-MNIST for 2 epochs of all 60,000 training images (--images=N for fewer: the whole bench takes
 * about 4.5 minutes on 2 cores, 3 of them in this fit), and whether it grows from epoch 1 to epoch 2.
 * Ratios against PyTorch at the same threads and at its best thread count; the per-step profile of
 * bench/train-profile.ts (tfjs kernel calls, time in and outside kernels) goes into the results too.
 *
 * Each amalgam configuration runs in its own process (the wasm thread count is fixed when the backend
 * starts; RSS must not carry another measurement's heap). Every measurement is time-boxed: warm-up,
 * then steps until --seconds pass (at least 3). Writes bench/results/train.json.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, wasmThreads, type BackendName } from '../lib/backend';
import { loadDataset } from '../lib/data/datasets';

const ROOT = path.resolve(__dirname, '..', '..');
const PY = '/usr/bin/python3';

interface Rate {
  samples_per_s: number;
  step_ms: number;
  steps: number;
}
interface Part {
  backend: string;
  threads: number | null;
  cnn?: Rate | null;
  mlp?: Rate | null;
  matmul?: { gflops: number; ms: number } | null;
}

async function timed(step: () => unknown, seconds: number, warmup = 3): Promise<{ n: number; s: number }> {
  for (let i = 0; i < warmup; i++) await step();
  const t0 = performance.now();
  let n = 0;
  while (n < 3 || performance.now() - t0 < seconds * 1000) {
    await step();
    n++;
  }
  return { n, s: (performance.now() - t0) / 1000 };
}

export function referenceCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [64], units: 256, activation: 'relu' }),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** model.trainOnBatch: forward, loss, backward and the Adam update, as PyTorch's loop does. */
async function trainRate(model: tf.Sequential, xShape: number[], seconds: number): Promise<Rate> {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal(xShape);
  const y = tf.oneHot(tf.randomUniform([xShape[0]], 0, 10, 'int32'), 10);
  const { n, s } = await timed(() => model.trainOnBatch(x, y), seconds);
  tf.dispose([x, y]);
  model.dispose();
  return { samples_per_s: (n * xShape[0]) / s, step_ms: (1000 * s) / n, steps: n };
}

async function matmulRate(seconds: number): Promise<{ gflops: number; ms: number }> {
  const a = tf.randomNormal([1024, 1024]),
    b = tf.randomNormal([1024, 1024]);
  const { n, s } = await timed(() => tf.tidy(() => tf.matMul(a, b)).dispose(), seconds);
  tf.dispose([a, b]);
  return { gflops: (n * 2 * 1024 ** 3) / s / 1e9, ms: (1000 * s) / n };
}

/** One amalgam configuration, in this (child) process. */
async function speedChild(backend: BackendName, seconds: number, withCnn: boolean): Promise<Part> {
  await useBackend(backend);
  tf.setBackend(backend === 'wasm' ? 'wasm' : backend);
  const part: Part = { backend, threads: backend === 'wasm' ? (wasmThreads() ?? null) : null };
  part.cnn = withCnn ? await trainRate(referenceCnn(), [64, 28, 28, 1], seconds) : null;
  part.mlp = await trainRate(mlp(), [128, 64], seconds);
  part.matmul = await matmulRate(seconds);
  return part;
}

interface Memory {
  backend: string;
  threads: number | null;
  images: number;
  epochs: number;
  dataset: string;
  samples_per_s: number;
  epoch_s: number[];
  peak_rss_mib: number[];
  end_rss_mib: number[];
  tensors_after_epoch: number[];
  max_rss_mib: number;
  growth_mib: number;
  grows: boolean;
}

/** fit() on Fashion-MNIST (the Debian full set when installed), 2 epochs, RSS sampled at every batch. */
async function memoryChild(images: number): Promise<Memory> {
  await useBackend('wasm');
  const ds = await loadDataset('fashion-mnist');
  const split = ds.table.array('split') as string[];
  const labels = ds.table.array('label') as Int32Array;
  const train: number[] = [];
  for (let i = 0; i < split.length && train.length < images; i++) if (split[i] === 'train') train.push(i);
  const px = new Float32Array(train.length * 784);
  train.forEach((r, i) => {
    for (let p = 0; p < 784; p++) px[i * 784 + p] = ds.images!.data[r * 784 + p] / 255;
  });
  const xs = tf.tensor4d(px, [train.length, 28, 28, 1]);
  const ys = tf.oneHot(
    tf.tensor1d(
      train.map((r) => labels[r]),
      'int32',
    ),
    10,
  );
  const model = referenceCnn();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const mib = (b: number) => b / 2 ** 20;
  const peak: number[] = [],
    end: number[] = [],
    tensors: number[] = [],
    epochS: number[] = [];
  let cur = 0,
    t0 = 0;
  const started = performance.now();
  await model.fit(xs, ys, {
    batchSize: 64,
    epochs: 2,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        cur = 0;
        t0 = performance.now();
      },
      onBatchEnd: async () => {
        cur = Math.max(cur, process.memoryUsage.rss());
      },
      onEpochEnd: async () => {
        epochS.push((performance.now() - t0) / 1000);
        peak.push(mib(cur));
        end.push(mib(process.memoryUsage.rss()));
        tensors.push(tf.memory().numTensors);
      },
    },
  });
  const total = (performance.now() - started) / 1000;
  const growth = peak[1] - peak[0];
  return {
    backend: 'wasm',
    threads: wasmThreads() ?? null,
    images: train.length,
    epochs: 2,
    dataset: ds.description,
    samples_per_s: (2 * train.length) / total,
    epoch_s: epochS,
    peak_rss_mib: peak,
    end_rss_mib: end,
    tensors_after_epoch: tensors,
    max_rss_mib: process.resourceUsage().maxRSS / 1024,
    growth_mib: growth,
    // Growth beyond 2% of the first epoch's peak (allocator noise) or any tensor left behind counts.
    grows: growth > 0.02 * peak[0] || tensors[1] > tensors[0],
  };
}

function child(args: string[], env: NodeJS.ProcessEnv = {}): any {
  const out = execFileSync(process.execPath, [__filename, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function torch(threads: number, seconds: number): any {
  const out = execFileSync(
    PY,
    [path.join(ROOT, 'bench', 'py', 'train_baseline.py'), String(threads), String(seconds)],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

const arg = (args: string[], name: string, dflt: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;

export async function main(args: string[]): Promise<void> {
  const seconds = Number(arg(args, 'seconds', '4'));
  const images = Number(arg(args, 'images', '60000'));
  const threads = Number(arg(args, 'threads', String(Math.min(8, os.cpus().length))));
  const started = performance.now();
  const common = [`--seconds=${seconds}`];
  console.log(
    `Training speed on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), ${seconds} s per measurement`,
  );

  // Interleaved so that load from elsewhere on the machine hits both sides alike.
  const ours = child(['--child=speed', '--backend=wasm', ...common], { AMALGAM_THREADS: String(threads) }) as Part;
  const theirs = torch(threads, seconds);
  const ours1 =
    threads > 1 ? (child(['--child=speed', '--backend=wasm', ...common], { AMALGAM_THREADS: '1' }) as Part) : ours;
  const theirs1 = threads > 1 ? torch(1, seconds) : theirs;
  // cpu backend: MLP and matmul only (the CNN takes tens of seconds per step there).
  const cpu = child(['--child=speed', '--backend=cpu', '--no-cnn', ...common]) as Part;
  const profile = JSON.parse(
    execFileSync(process.execPath, [path.join(__dirname, 'train-profile.js'), `--threads=${threads}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .pop()!,
  );
  const memory = child(['--child=memory', `--images=${images}`], { AMALGAM_THREADS: String(threads) }) as Memory;

  const rows: [
    string,
    string,
    number | undefined,
    number | undefined,
    number | undefined,
    number | undefined,
    number | undefined,
  ][] = [
    [
      'reference CNN, batch 64 (samples/s)',
      'cnn',
      ours.cnn?.samples_per_s,
      theirs.cnn.samples_per_s,
      ours1.cnn?.samples_per_s,
      theirs1.cnn.samples_per_s,
      undefined,
    ],
    [
      'MLP 64-256-128-10, batch 128 (samples/s)',
      'mlp',
      ours.mlp?.samples_per_s,
      theirs.mlp.samples_per_s,
      ours1.mlp?.samples_per_s,
      theirs1.mlp.samples_per_s,
      cpu.mlp?.samples_per_s,
    ],
    [
      'matmul 1024x1024 (GFLOP/s)',
      'matmul',
      ours.matmul?.gflops,
      theirs.matmul.gflops,
      ours1.matmul?.gflops,
      theirs1.matmul.gflops,
      cpu.matmul?.gflops,
    ],
  ];
  const f = (v?: number) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const r = (a?: number, b?: number) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`);
  // PyTorch at its best thread count (1 or all): the figure a user would pick.
  const best = (b?: number, b1?: number) => (b === undefined ? b1 : b1 === undefined ? b : Math.max(b, b1));
  console.log(
    `\n${'workload'.padEnd(42)}${`wasm ${threads}t`.padStart(10)}${`torch ${threads}t`.padStart(10)}${'ratio'.padStart(8)}${'wasm 1t'.padStart(10)}${'torch 1t'.padStart(10)}${'ratio'.padStart(8)}${'torch best'.padStart(11)}${'ratio'.padStart(8)}${'cpu'.padStart(9)}`,
  );
  for (const [label, , a, b, a1, b1, c] of rows)
    console.log(
      `${label.padEnd(42)}${f(a).padStart(10)}${f(b).padStart(10)}${r(a, b).padStart(8)}${f(a1).padStart(10)}${f(b1).padStart(10)}${r(a1, b1).padStart(8)}${f(best(b, b1)).padStart(11)}${r(a, best(b, b1)).padStart(8)}${f(c).padStart(9)}`,
    );
  console.log(
    `(ratio = amalgam / PyTorch ${theirs.torch}; the last ratio is amalgam at ${threads} threads against PyTorch at its best thread count. Goals: CNN >= 0.7x same threads, MLP >= 0.7x best, matmul >= 0.8x)`,
  );
  console.log(`\nProfile (wasm ${threads} threads, bench/train-profile.ts):`);
  for (const p of profile)
    console.log(
      `  ${p.model}: ${p.step_ms.toFixed(1)} ms/step, ${p.calls_per_step.toFixed(0)} tfjs kernel calls, ${p.kernel_ms_per_step.toFixed(1)} ms in kernels, ${p.outside_ms_per_step.toFixed(1)} ms outside; top: ${p.top
        .slice(0, 5)
        .map((t: any) => `${t.kernel} ${t.ms.toFixed(1)}`)
        .join(', ')}`,
    );
  console.log(
    `\nMemory: fit() of the reference CNN on ${memory.images.toLocaleString('en-US')} Fashion-MNIST images x 2 epochs, batch 64, wasm ${memory.threads} threads${memory.images < 60000 ? ` (a fraction of the 60,000 training images)` : ''}`,
  );
  console.log(
    `  ${f(memory.samples_per_s)} samples/s; epochs ${memory.epoch_s.map((s) => s.toFixed(1)).join(' s, ')} s`,
  );
  console.log(
    `  peak RSS per epoch ${memory.peak_rss_mib.map((m) => m.toFixed(0)).join(' MiB -> ')} MiB (growth ${memory.growth_mib.toFixed(1)} MiB: ${memory.grows ? 'GROWS' : 'does not grow'}); process max RSS ${memory.max_rss_mib.toFixed(0)} MiB; tensors after each epoch ${memory.tensors_after_epoch.join(', ')}`,
  );
  const total = (performance.now() - started) / 1000;
  console.log(`\nTotal ${total.toFixed(0)} s.`);

  const out = path.join(ROOT, 'bench', 'results', 'train.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cores: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        seconds_per_measurement: seconds,
        threads,
        amalgam: { wasm: ours, wasm_1_thread: ours1, cpu },
        pytorch: { same_threads: theirs, one_thread: theirs1 },
        ratios: Object.fromEntries(
          rows.map(([, key, a, b, a1, b1]) => [
            key,
            {
              same_threads: a !== undefined && b ? a / b : null,
              one_thread: a1 !== undefined && b1 ? a1 / b1 : null,
              vs_best_pytorch: a !== undefined && best(b, b1) ? a / best(b, b1)! : null,
            },
          ]),
        ),
        profile,
        memory,
        total_s: total,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`Wrote ${path.relative(process.cwd(), out)}`);
}

async function runChild(args: string[]): Promise<void> {
  const what = arg(args, 'child', '');
  const result =
    what === 'memory'
      ? await memoryChild(Number(arg(args, 'images', '60000')))
      : await speedChild(
          arg(args, 'backend', 'wasm') as BackendName,
          Number(arg(args, 'seconds', '4')),
          !args.includes('--no-cnn'),
        );
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (require.main === module) {
  runChild(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
