// Maximum mean discrepancy between two samples with a Gaussian kernel (bandwidth: the median
// pairwise distance of the pooled sample, the usual heuristic, as in Alibi Detect's MMDDrift) and a
// permutation test: the unbiased MMD² of the observed split against MMD² of random re-splits of the
// pooled rows. The pooled kernel matrix is computed once; each permutation re-sums it.
import { derive } from '../random';
import type { Sample } from './matrix';

export interface MmdOptions {
  /** Random re-splits for the p-value (default 200). */
  permutations?: number;
  /** Kernel bandwidth σ in k(x, y) = exp(−‖x − y‖² / (2σ²)) (default: the median heuristic). */
  bandwidth?: number;
  /** Label of the seeded generator (default 'stats:mmd'): the same samples give the same p-value. */
  seed?: string;
}

export interface MmdResult {
  /** Unbiased MMD² (can be slightly negative when the samples agree). */
  mmd2: number;
  /** (1 + re-splits with MMD² ≥ observed) / (1 + re-splits). */
  pValue: number;
  bandwidth: number;
  permutations: number;
}

function squaredDistances(all: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = all[i * d + k] - all[j * d + k];
        s += t * t;
      }
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  return out;
}

function median(values: Float64Array): number {
  const s = values.slice().sort();
  return s.length ? s[s.length >> 1] : 0;
}

/** Unbiased MMD² of the rows marked `inX` against the others, from the pooled kernel matrix. */
function mmd2Of(k: Float64Array, n: number, inX: Uint8Array, nx: number): number {
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const xi = inX[i];
    const row = i * n;
    for (let j = i + 1; j < n; j++) {
      const v = k[row + j];
      if (xi && inX[j]) sxx += v;
      else if (!xi && !inX[j]) syy += v;
      else sxy += v;
    }
  }
  const ny = n - nx;
  return (2 * sxx) / (nx * (nx - 1)) + (2 * syy) / (ny * (ny - 1)) - (2 * sxy) / (nx * ny);
}

export function mmdTest(x: Sample, y: Sample, options: MmdOptions = {}): MmdResult {
  if (x.cols !== y.cols) throw new RangeError(`mmdTest: ${x.cols} columns against ${y.cols}`);
  if (x.rows < 2 || y.rows < 2) throw new RangeError('mmdTest: each sample needs at least two rows');
  const d = x.cols;
  const n = x.rows + y.rows;
  const all = new Float64Array(n * d);
  all.set(x.data.subarray(0, x.rows * d));
  all.set(y.data.subarray(0, y.rows * d), x.rows * d);
  const d2 = squaredDistances(all, n, d);
  let bandwidth = options.bandwidth;
  if (bandwidth === undefined) {
    const upper = new Float64Array((n * (n - 1)) / 2);
    let at = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) upper[at++] = d2[i * n + j];
    bandwidth = Math.sqrt(median(upper)) || 1;
  }
  const gamma = 1 / (2 * bandwidth * bandwidth);
  const k = d2; // reused in place: the kernel matrix
  for (let i = 0; i < k.length; i++) k[i] = Math.exp(-gamma * k[i]);
  const inX = new Uint8Array(n);
  inX.fill(1, 0, x.rows);
  const observed = mmd2Of(k, n, inX, x.rows);
  const permutations = options.permutations ?? 200;
  const rand = derive(options.seed ?? 'stats:mmd');
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let asLarge = 0;
  for (let p = 0; p < permutations; p++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    inX.fill(0);
    for (let i = 0; i < x.rows; i++) inX[order[i]] = 1;
    if (mmd2Of(k, n, inX, x.rows) >= observed) asLarge++;
  }
  return { mmd2: observed, pValue: (1 + asLarge) / (1 + permutations), bandwidth, permutations };
}
