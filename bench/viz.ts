/**
 * Viz benchmark: PCA 10,000×256 and t-SNE 2,000×64 against scikit-learn, UMAP 5,000×64 against
 * umap-js as published, all on the same seeded data in the same run; quality is trustworthiness
 * (k = 5) of each 2-D layout, computed by the same function for both. Then `%latent --rep all`
 * end to end on 2,000 images (PCA and UMAP). Prints a table, writes bench/results/viz.json.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UMAP } from 'umap-js';
import { selectBackend } from '../lib/backend';
import { seed } from '../lib/random';
import { latent, type LatentData, type LatentModel } from '../lib/viz/latent';
import type { Matrix } from '../lib/viz/matrix';
import { vegaLiteBundle } from '../lib/display/vegalite';
import { pca } from '../lib/viz/pca';
import { mulberry32 } from '../lib/viz/rng';
import { trustworthiness } from '../lib/viz/trustworthiness';
import { tsne } from '../lib/viz/tsne';
import { umap } from '../lib/viz/umap';

const ROOT = path.resolve(__dirname, '..', '..');
const PY = '/usr/bin/python3';

/** Points on a few curved low-dimensional clusters embedded in `cols` dimensions, plus noise: structure a layout can keep or lose. */
export function clusteredData(rows: number, cols: number, clusters = 10, seedValue = 42): Matrix {
  const r = mulberry32(seedValue);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centers = Array.from({ length: clusters }, () => Array.from({ length: cols }, () => gauss() * 3));
  const dirs = Array.from({ length: clusters }, () =>
    Array.from({ length: 3 }, () => Array.from({ length: cols }, () => gauss())),
  );
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const c = i % clusters;
    const t = [gauss(), gauss(), gauss()];
    for (let j = 0; j < cols; j++) {
      data[i * cols + j] =
        centers[c][j] +
        t[0] * dirs[c][0][j] +
        Math.sin(t[1]) * dirs[c][1][j] +
        0.5 * t[2] * dirs[c][2][j] +
        0.3 * gauss();
    }
  }
  return { data, rows, cols };
}

function sklearn(method: 'pca' | 'tsne', x: Matrix, repeats: number): { seconds: number; layout: Matrix } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-viz-bench-'));
  const input = path.join(dir, 'x.bin'),
    output = path.join(dir, 'y.bin');
  fs.writeFileSync(input, Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength));
  const out = execFileSync(
    PY,
    [
      path.join(ROOT, 'bench', 'py', 'viz_baselines.py'),
      method,
      input,
      String(x.rows),
      String(x.cols),
      output,
      String(repeats),
    ],
    { encoding: 'utf8' },
  );
  const buf = fs.readFileSync(output);
  const layout = {
    data: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice(),
    rows: x.rows,
    cols: 2,
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds: JSON.parse(out.trim().split('\n').pop()!).seconds, layout };
}

async function timed<T>(f: () => Promise<T> | T, repeats = 1): Promise<{ seconds: number; value: T }> {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    value = await f();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return { seconds: best, value };
}

interface Row {
  task: string;
  ours_s: number;
  baseline: string;
  baseline_s: number;
  ratio: number;
  ours_trust: number;
  baseline_trust: number;
}

/** A stand-in amalgamation (conv bottom, the four named representations) for when the model issue's builder is not there. */
function standInModel(): LatentModel & { dispose(): void } {
  const input = tf.input({ shape: [28, 28, 1] });
  let h = tf.layers
    .conv2d({
      filters: 16,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  const high = tf.layers
    .dense({ units: 256, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
    .apply(h) as tf.SymbolicTensor;
  const low = tf.layers
    .dense({ units: 16, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
    .apply(high) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })
    .apply(low) as tf.SymbolicTensor;
  const probs = tf.layers.softmax().apply(logits) as tf.SymbolicTensor;
  const net = tf.model({ inputs: input, outputs: [high, low, logits, probs] });
  const names = ['latent_high', 'latent_low', 'logits', 'probs'];
  return {
    predict(x, { outputs }) {
      const all = net.predict(x) as tf.Tensor[];
      const out: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => (outputs.includes(n) ? (out[n] = all[i]) : all[i].dispose()));
      return out;
    },
    dispose: () => net.dispose(),
  };
}

/** The real model and dataset when the model and data issues have landed, else a stand-in on Fashion-shaped data. */
async function latentSubject(): Promise<{ model: LatentModel & { dispose?(): void }; data: LatentData; what: string }> {
  try {
    const dataMod = require('../lib/data/datasets');
    const data: LatentData = await dataMod.loadDataset('fashion');
    // The model bench's reference amalgamation, briefly trained so its representations have structure.
    const { amalgamate } = require('../lib/model/index');
    const { fit } = require('../lib/train/fit');
    const { referenceConfig } = require('./model');
    const model = amalgamate(referenceConfig);
    await fit(model, data, { epochs: 1, limit: 3000, live: false });
    return { model, data, what: 'reference amalgamation (1 epoch on 3,000 images) on Fashion-MNIST test images' };
  } catch {
    const n = 10_000;
    const images = new Uint8Array(n * 784);
    const r = mulberry32(7);
    const label: number[] = [];
    for (let i = 0; i < n; i++) {
      label.push(i % 10);
      for (let p = 0; p < 784; p++)
        images[i * 784 + p] = ((p % 28) + (i % 10) * 3 > 28 ? 150 : 0) + Math.floor(r() * 100);
    }
    const aq = require('arquero');
    return {
      model: standInModel(),
      data: { name: 'synthetic', table: aq.table({ label }), images: { data: images, shape: [n, 28, 28, 1] } },
      what: 'stand-in conv model on synthetic 28×28 images (no loadDataset yet)',
    };
  }
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  // The kernel's choice of backend, if it settles quickly; otherwise tfjs's default.
  const backend =
    (await Promise.race([
      selectBackend().catch(() => undefined),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref()),
    ])) ?? (await tf.ready(), tf.getBackend());
  seed(1);
  const rows: Row[] = [];
  const log = (s: string) => process.stderr.write(s + '\n');

  log('PCA 10,000 × 256 ...');
  const xp = clusteredData(quick ? 2000 : 10_000, 256);
  const ours = await timed(() => pca(xp), 3);
  const skp = sklearn('pca', xp, 3);
  rows.push({
    task: `PCA ${xp.rows}×${xp.cols}`,
    ours_s: ours.seconds,
    baseline: 'scikit-learn PCA',
    baseline_s: skp.seconds,
    ratio: 0,
    ours_trust: trustworthiness(xp, { data: ours.value.embedding, rows: xp.rows, cols: 2 }),
    baseline_trust: trustworthiness(xp, skp.layout),
  });

  log('t-SNE 2,000 × 64 ...');
  const xt = clusteredData(quick ? 500 : 2000, 64);
  const ot = await timed(() => tsne(xt));
  const skt = sklearn('tsne', xt, 1);
  rows.push({
    task: `t-SNE ${xt.rows}×${xt.cols}`,
    ours_s: ot.seconds,
    baseline: 'scikit-learn TSNE (Barnes-Hut)',
    baseline_s: skt.seconds,
    ratio: 0,
    ours_trust: trustworthiness(xt, { data: ot.value, rows: xt.rows, cols: 2 }),
    baseline_trust: trustworthiness(xt, skt.layout),
  });

  log('UMAP 5,000 × 64 ...');
  const xu = clusteredData(quick ? 1000 : 5000, 64);
  const ou = await timed(() => umap(xu));
  const arrays: number[][] = [];
  for (let i = 0; i < xu.rows; i++) arrays.push(Array.from(xu.data.subarray(i * xu.cols, (i + 1) * xu.cols)));
  const pu = await timed(() => new UMAP({ nComponents: 2, random: mulberry32(1) }).fit(arrays));
  rows.push({
    task: `UMAP ${xu.rows}×${xu.cols}`,
    ours_s: ou.seconds,
    baseline: 'umap-js 1.4 fit()',
    baseline_s: pu.seconds,
    ratio: 0,
    ours_trust: trustworthiness(xu, { data: ou.value, rows: xu.rows, cols: 2 }),
    baseline_trust: trustworthiness(xu, pu.value),
  });
  for (const r of rows) r.ratio = r.ours_s / r.baseline_s;

  log('%latent --rep all ...');
  const subject = await latentSubject();
  // The first chart of a session also loads vega and the rasteriser (about a second, once); %latent
  // is timed as a later chart, and that one-time load is left out.
  await vegaLiteBundle({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: [{ a: 1 }] },
    mark: 'point',
    encoding: { x: { field: 'a', type: 'quantitative' } },
  });
  const endToEnd: Record<string, number> = {};
  const parts: Record<string, { predict: number; project: number; chart: number; image: number }> = {};
  for (const method of ['pca', 'umap'] as const) {
    seed(1);
    const t = await timed(() =>
      latent(subject.model, subject.data, { rep: 'all', method, n: quick ? 500 : 2000, split: undefined }),
    );
    // What the user waits for includes rendering the bundle (the static PNG) the kernel sends.
    const r = await timed(() => vegaLiteBundle(t.value));
    endToEnd[method] = t.seconds + r.seconds;
    const s = (t.value as any).latent.seconds;
    parts[method] = {
      predict: s.predict,
      project: s.project,
      chart: t.seconds - s.predict - s.project,
      image: r.seconds,
    };
  }
  subject.model.dispose?.();

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(
    `Viz benchmark (tfjs backend: ${backend}); ratio = amalgam / baseline time, < 1 is faster; T = trustworthiness (k=5)`,
  );
  console.log(
    `${pad('task', 18)}${pad('baseline', 32)}${'amalgam s'.padStart(10)}${'base s'.padStart(9)}${'ratio'.padStart(7)}${'T ours'.padStart(8)}${'T base'.padStart(8)}`,
  );
  for (const r of rows) {
    console.log(
      `${pad(r.task, 18)}${pad(r.baseline, 32)}${r.ours_s.toFixed(2).padStart(10)}${r.baseline_s.toFixed(2).padStart(9)}${r.ratio.toFixed(2).padStart(7)}${r.ours_trust.toFixed(3).padStart(8)}${r.baseline_trust.toFixed(3).padStart(8)}`,
    );
  }
  console.log(
    `%latent --rep all, ${quick ? 500 : 2000} images (${subject.what}): PCA ${endToEnd.pca.toFixed(2)} s (goal < 3), UMAP ${endToEnd.umap.toFixed(2)} s (goal < 15)`,
  );
  for (const [method, p] of Object.entries(parts))
    console.log(
      `  ${method}: predict ${p.predict.toFixed(2)} s, projections ${p.project.toFixed(2)} s, spec and thumbnails ${p.chart.toFixed(2)} s, PNG ${p.image.toFixed(2)} s`,
    );
  const result = {
    date: new Date().toISOString(),
    backend,
    quick,
    rows,
    latent_rep_all: { subject: subject.what, n: quick ? 500 : 2000, pca_s: endToEnd.pca, umap_s: endToEnd.umap, parts },
  };
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'viz.json'), JSON.stringify(result, null, 2) + '\n');
}

// Exits explicitly: the wasm backend's worker threads would keep a standalone run alive.
if (require.main === module)
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
