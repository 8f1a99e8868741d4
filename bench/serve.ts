/**
 * Serving benchmark: 64 concurrent clients (autocannon, one example per request) against
 * `amalgam serve` in a child process, with and without dynamic batching, vs batched `predict` in
 * this process in the same run (the ceiling: no HTTP, no JSON), measured right before and after
 * each server configuration so a busy machine's drift cancels out of the ratio. Throughput in
 * examples/s, p50/p99 latency, mean merged batch. The wasm thread count (AMALGAM_THREADS) applies
 * to both sides. The model is the reference Fashion-MNIST amalgamation of bench/model
 * (its weights do not change the cost), or the small digits one with --model digits.
 * Writes bench/results/serve.json.
 *
 *   amalgam bench serve [--duration S] [--model reference|digits] [--connections N] [--output label]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, wasmThreads } from '../lib/backend';
import { amalgamate } from '../lib/model/index';
import { seed } from '../lib/random';
import { save } from '../lib/registry/versioning';
import type { LoadedVersion } from '../lib/serve/holder';
import { ServedSampler } from '../lib/serve/sampler';
import { referenceConfig } from './model';

const ROOT = path.resolve(__dirname, '..', '..');
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<any>;

const digitsConfig = {
  input: [8, 8, 1],
  bottom: { blocks: [{ conv: { filters: 8 } }, { pool: {} }] },
  representations: { latent_high: { units: 32 }, latent_low: { units: 6 }, logits: { units: 10 } },
  heads: { label: { from: 'logits', task: 'classify' as const, target: 'label' } },
};

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

/** Examples/s of `predict` on batches of `batch` rows (outputs read back), for `seconds`. */
function inProcess(model: ReturnType<typeof amalgamate>, batch: number, output: string, seconds: number): number {
  const x = tf.randomUniform([batch, ...model.config.input]);
  const once = () => {
    const out = model.predict(x, { outputs: [output] });
    out[output].dataSync();
    tf.dispose(Object.values(out));
  };
  for (let i = 0; i < 5; i++) once();
  const start = performance.now();
  let rows = 0;
  while (performance.now() - start < seconds * 1000) {
    once();
    rows += batch;
  }
  x.dispose();
  return rows / ((performance.now() - start) / 1000);
}

function startServer(registry: string, flags: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'amalgam.js'), 'serve', 'bench', '--registry', registry, '--port', '0', ...flags],
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`amalgam serve exited with ${code}: ${out}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

async function meanBatch(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return value('amalgam_batch_size_sum') / value('amalgam_batch_size_count');
}

interface Config {
  name: string;
  flags: string[];
  protocol: 'v1' | 'v2-binary';
}

/**
 * What the served-traffic sample costs the event loop, measured in process on the model's real
 * outputs: µs per row offered (the draw, and the copy of a kept row) and per kept row written (its
 * log line encoded; the file work runs on libuv's threads), while the sample fills and after.
 */
async function reservoirCosts(model: ReturnType<typeof amalgamate>, registry: string, output: string) {
  const sampler = new ServedSampler(registry, { size: 2000, flushMs: 60_000 });
  const version = { id: 'cost', name: 'bench', model } as unknown as LoadedVersion;
  const x = tf.randomUniform([1, ...model.config.input]);
  const out = model.predict(x, { outputs: [output, 'latent_low'] });
  const result = Object.fromEntries(
    Object.entries(out).map(([k, t]) => [k, { data: t.dataSync() as Float32Array, shape: t.shape }]),
  );
  const batch = { n: 1, data: x.dataSync() as Float32Array };
  tf.dispose([x, ...Object.values(out)]);
  const phases: Record<string, unknown>[] = [];
  for (const [phase, rows] of [
    ['filling (rows 1-2,000)', 2000],
    ['full (rows 2,001-20,000)', 18000],
  ] as const) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < rows; i++) sampler.offer(undefined as never, version, batch, result);
    const offer = Number(process.hrtime.bigint() - t0) / 1e3 / rows;
    const reservoir = sampler.reservoir(version);
    const taken = reservoir.take();
    const t1 = process.hrtime.bigint();
    reservoir.write(taken);
    const write = Number(process.hrtime.bigint() - t1) / 1e3 / Math.max(1, taken.length);
    await reservoir.flushed();
    phases.push({
      phase,
      rows,
      kept: taken.length,
      'µs per row offered': Number(offer.toFixed(1)),
      'µs per kept row written': Number(write.toFixed(1)),
    });
  }
  await sampler.close();
  console.table(phases);
  return phases;
}

export async function main(args: string[] = []): Promise<void> {
  const duration = Number(option(args, 'duration', '10'));
  const connections = Number(option(args, 'connections', '64'));
  const which = option(args, 'model', 'reference');
  const output = option(args, 'output', 'label');
  const backend = await selectBackend();
  const threads = backend === 'wasm' ? (wasmThreads() ?? 1) : 1;
  const config = which === 'digits' ? digitsConfig : referenceConfig;
  seed(1);
  const model = amalgamate(config);
  const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-bench-serve-'));
  save(model, 'bench', { registry });
  const size = config.input.reduce((a, b) => a * b, 1);
  console.log(
    `${which} amalgamation [${config.input}] → ${output}; backend ${backend}, ${threads} thread(s); ${connections} clients × ${duration} s per configuration; ${os.cpus().length} cores shared by clients and server`,
  );

  const batch = Math.min(64, connections);
  const single = inProcess(model, 1, output, duration / 2);
  console.log(`in-process predict one example at a time: ${single.toFixed(0)} examples/s`);

  const example = Array.from({ length: size }, (_, i) => ((i * 37) % 101) / 100);
  const v1 = JSON.stringify({ instances: [example], outputs: [output] });
  const bytes = Buffer.from(new Float32Array(example).buffer);
  const header = JSON.stringify({
    inputs: [
      { name: 'input', shape: [1, ...config.input], datatype: 'FP32', parameters: { binary_data_size: bytes.length } },
    ],
    outputs: [{ name: output, parameters: { binary_data: true } }],
  });
  const v2 = Buffer.concat([Buffer.from(header), bytes]);
  // --reservoir: the served-traffic sample's cost, off and on in turn (twice), the default configuration otherwise.
  const reservoir = args.includes('--reservoir');
  const sampling: Config[] = [
    { name: 'v1 JSON, batching 2 ms, no sample (--sample 0)', flags: ['--sample', '0'], protocol: 'v1' },
    { name: 'v1 JSON, batching 2 ms, sample of 2,000 (default)', flags: [], protocol: 'v1' },
  ];
  const configs: Config[] = reservoir
    ? [...sampling, ...sampling]
    : [
        { name: 'v1 JSON, batching (64 rows, 2 ms)', flags: [], protocol: 'v1' },
        { name: 'v1 JSON, batching (64 rows, 0 ms)', flags: ['--max-delay', '0'], protocol: 'v1' },
        { name: 'v1 JSON, no batching', flags: ['--no-batching'], protocol: 'v1' },
        { name: 'v2 binary, batching (64 rows, 2 ms)', flags: [], protocol: 'v2-binary' },
        { name: 'v1 JSON, batching (64 rows, 2 ms), predict worker', flags: ['--worker'], protocol: 'v1' },
        { name: 'v2 binary, batching (64 rows, 2 ms), predict worker', flags: ['--worker'], protocol: 'v2-binary' },
      ];
  const rows: Record<string, unknown>[] = [];
  for (const c of configs) {
    const before = inProcess(model, batch, output, duration / 2);
    const { child, url } = await startServer(registry, c.flags);
    let batched = before;
    try {
      const request =
        c.protocol === 'v1'
          ? { url: `${url}/v1/models/bench:predict`, body: v1, headers: { 'content-type': 'application/json' } }
          : {
              url: `${url}/v2/models/bench/infer`,
              body: v2,
              headers: {
                'content-type': 'application/octet-stream',
                'inference-header-content-length': String(Buffer.byteLength(header)),
              },
            };
      await autocannon({ ...request, method: 'POST', connections, duration: 1 }); // warm-up
      const r = await autocannon({ ...request, method: 'POST', connections, duration });
      const rate = r.requests.total / (r.duration || duration);
      const mean = await meanBatch(url);
      await stop(child);
      batched = (before + inProcess(model, batch, output, duration / 2)) / 2;
      const row = {
        config: c.name,
        'in-process examples/s': Math.round(batched),
        'examples/s': Math.round(rate),
        'vs in-process': Number((rate / batched).toFixed(2)),
        'p50 ms': r.latency.p50,
        'p99 ms': r.latency.p99,
        'mean batch': Number(mean.toFixed(1)),
        errors: r.errors + r.non2xx,
      };
      rows.push(row);
      console.log(
        `  ${c.name}: ${row['examples/s']} examples/s (${row['vs in-process']}× in-process ${row['in-process examples/s']} in batches of ${batch}), p50 ${row['p50 ms']} ms, p99 ${row['p99 ms']} ms, mean batch ${row['mean batch']}`,
      );
    } finally {
      await stop(child);
    }
  }
  console.table(rows);
  const costs = reservoir ? await reservoirCosts(model, registry, output) : undefined;
  if (reservoir) {
    const mean = (i: number, key: string) => ((rows[i][key] as number) + (rows[i + 2][key] as number)) / 2;
    console.log(
      `reservoir on / off: examples/s ${(mean(1, 'vs in-process') / mean(0, 'vs in-process')).toFixed(2)}× (ratios to in-process, mean of 2 pairs), p50 ${mean(1, 'p50 ms')} vs ${mean(0, 'p50 ms')} ms, p99 ${mean(1, 'p99 ms')} vs ${mean(0, 'p99 ms')} ms`,
    );
  }
  const out = {
    date: new Date().toISOString(),
    model: which,
    input: config.input,
    output,
    backend,
    threads,
    cores: os.cpus().length,
    connections,
    duration_s: duration,
    in_process: { batch, single_examples_per_s: single },
    server: rows,
    ...(costs ? { reservoir_costs: costs } : {}),
  };
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const file = reservoir ? 'serve-reservoir.json' : which === 'reference' ? 'serve.json' : `serve-${which}.json`;
  fs.writeFileSync(path.join(ROOT, 'bench', 'results', file), `${JSON.stringify(out, null, 2)}\n`);
  fs.rmSync(registry, { recursive: true, force: true });
  model.dispose();
  process.exit(0); // idle wasm pthreads
}

if (require.main === module) main(process.argv.slice(2));
