// UMAP through umap-js (maintained, the reference JS port), seeded from the library's generator and
// fed exact neighbours from a typed-array brute force, which beats umap-js's own NN-descent here.
import { UMAP } from 'umap-js';
import { derive } from '../random';
import { knn, type Matrix, toMatrix } from './matrix';
import { fastRandomSeed, mulberry32 } from './rng';
import { type LayoutState, optimizeLayout } from './umaplayout';
import { availableParallelism, LayoutPool } from './umapworker';
import { InterruptedError } from '../interrupt';

export interface UmapOptions {
  neighbors?: number;
  minDist?: number;
  /** Optimization epochs (default: umap-js's choice, 500 below 10,000 points else 200). */
  epochs?: number;
  /** Use umap-js's own approximate neighbour search instead of the exact one (default false). */
  approximateNeighbors?: boolean;
  signal?: AbortSignal;
}

/** Everything before the layout SGD: neighbours, fuzzy graph, initial embedding (umap-js), the SGD's seed. */
function prepare(x: Matrix, options: UmapOptions) {
  const n = x.rows;
  const nNeighbors = Math.min(options.neighbors ?? 15, n - 1);
  const rand = derive('viz:umap');
  const u = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist: options.minDist ?? 0.1,
    nEpochs: options.epochs,
    random: rand,
  });
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
  if (!options.approximateNeighbors) {
    // umap-js counts each point as its own first neighbour (distance 0), as umap-learn does.
    const nn = knn(x, nNeighbors - 1);
    const k = nNeighbors - 1;
    const indices: number[][] = [],
      distances: number[][] = [];
    for (let i = 0; i < n; i++) {
      indices.push([i, ...nn.indices.subarray(i * k, (i + 1) * k)]);
      distances.push([0, ...nn.distances.subarray(i * k, (i + 1) * k)]);
    }
    u.setPrecomputedKNN(indices, distances);
  }
  const epochs = u.initializeFit(rows);
  // umap-js keeps the embedding in number[][] and pays for it in its SGD loop (80% of its time);
  // optimizeLayout runs the same updates on a typed array, with a faster pow and negative-sample generator.
  const s = (u as any).optimizationState;
  const y = new Float64Array(n * 2);
  s.headEmbedding.forEach((p: number[], i: number) => {
    y[2 * i] = p[0];
    y[2 * i + 1] = p[1];
  });
  const state: LayoutState = {
    head: s.head,
    tail: s.tail,
    epochsPerSample: s.epochsPerSample,
    a: s.a,
    b: s.b,
    initialAlpha: s.initialAlpha,
    gamma: s.gamma,
    nVertices: s.nVertices,
  };
  return { y, state, epochs, layoutSeed: fastRandomSeed('viz:umap:layout') };
}

export async function umap(input: Matrix | unknown, options: UmapOptions = {}): Promise<Float32Array> {
  const x = toMatrix(input);
  if (x.rows < 3) return new Float32Array(x.rows * 2);
  const { y, state, epochs, layoutSeed } = prepare(x, options);
  await optimizeLayout(y, state, epochs, mulberry32(layoutSeed), options.signal);
  return Float32Array.from(y);
}

/**
 * Several UMAPs (as %latent's four representations), each exactly as `umap` would give it: the
 * preparation runs here, one after another, while the layout SGD (most of the time) of those
 * already prepared runs on worker threads, as many as there are cores.
 */
export async function umapMany(inputs: (Matrix | unknown)[], options: UmapOptions = {}): Promise<Float32Array[]> {
  const workers = Math.min(inputs.length, availableParallelism());
  if (workers < 2) {
    const out: Float32Array[] = [];
    for (const x of inputs) out.push(await umap(x, options));
    return out;
  }
  const pool = new LayoutPool(workers);
  try {
    const jobs: Promise<Float32Array>[] = [];
    for (const input of inputs) {
      if (options.signal?.aborted) throw new InterruptedError();
      const x = toMatrix(input);
      if (x.rows < 3) {
        jobs.push(Promise.resolve(new Float32Array(x.rows * 2)));
        continue;
      }
      const job = prepare(x, options);
      jobs.push(pool.run(job.y, job.state, job.epochs, job.layoutSeed, options.signal));
      await new Promise((r) => setImmediate(r)); // let the worker messages flow
    }
    return await Promise.all(jobs);
  } finally {
    await pool.close();
  }
}
