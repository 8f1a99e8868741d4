// Exact k nearest neighbours with the distance work in a matrix product: ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b,
// the products X_block Xᵀ on tfjs (wasm or native: tens of milliseconds where the JS loop takes a
// second for 2,000 × 256). Float32 products are only candidates: each row keeps its k + MARGIN
// nearest by them, recomputes those distances exactly (the same float64 loop as the brute force),
// and proves no other point can be nearer using the products' rounding bound; a row that cannot
// prove it is done by brute force. So the result equals the brute force's, ties included.
import * as tf from '@tensorflow/tfjs';
/** A row-major matrix (matrix.ts's Matrix; not imported, which would make a cycle). */
interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

const MARGIN = 16;
const BLOCK = 256;

/** True when a matrix product on the current tfjs backend beats the JS loop. */
export function fastProducts(m: Matrix): boolean {
  const backend = tf.getBackend();
  return m.cols >= 24 && m.rows >= 256 && (backend === 'wasm' || backend === 'tensorflow');
}

/** Squared distance between rows a and b, accumulated in float64 as the brute force does. */
function exactDistance(data: Float32Array, cols: number, a: number, b: number): number {
  let s = 0;
  const ia = a * cols,
    ib = b * cols;
  for (let c = 0; c < cols; c++) {
    const d = data[ia + c] - data[ib + c];
    s += d * d;
  }
  return s;
}

/**
 * Fills row i's k neighbours (indices, squared distances) by exact distance then index; returns
 * false when the float32 candidates cannot be proven to contain them.
 */
function rowFromCandidates(
  m: Matrix,
  i: number,
  k: number,
  approx: Float32Array,
  offset: number,
  norms: Float64Array,
  maxNorm: number,
  bound: number,
  outIdx: Int32Array,
  outDist: Float64Array,
): boolean {
  const n = m.rows;
  const c = Math.min(n - 1, k + MARGIN);
  // The c smallest approximate distances (a sorted insertion buffer: c is small).
  const candIdx = new Int32Array(c);
  const candVal = new Float64Array(c);
  let count = 0;
  let excludedMin = Infinity; // the smallest approximate distance left out
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    const v = norms[i] + norms[j] - 2 * approx[offset + j];
    if (count === c && v >= candVal[c - 1]) {
      if (v < excludedMin) excludedMin = v;
      continue;
    }
    if (count === c && candVal[c - 1] < excludedMin) excludedMin = candVal[c - 1];
    let p = count < c ? count++ : c - 1;
    while (p > 0 && candVal[p - 1] > v) {
      candVal[p] = candVal[p - 1];
      candIdx[p] = candIdx[p - 1];
      p--;
    }
    candVal[p] = v;
    candIdx[p] = j;
  }
  const exact = Array.from(candIdx, (j) => ({ j, d: exactDistance(m.data, m.cols, i, j) }));
  exact.sort((a, b) => a.d - b.d || a.j - b.j);
  // Any point left out has exact distance ≥ excludedMin − its error; the error of a distance from
  // the products is at most `bound` · (‖xᵢ‖² + ‖xⱼ‖²), with ‖xⱼ‖² ≤ the largest norm.
  const kth = exact[k - 1].d;
  if (excludedMin !== Infinity && excludedMin - bound * (norms[i] + maxNorm) <= kth) return false;
  for (let t = 0; t < k; t++) {
    outIdx[i * k + t] = exact[t].j;
    outDist[i * k + t] = exact[t].d;
  }
  return true;
}

/**
 * k nearest neighbours of every row (excluding itself) as squared distances; `brute(i)` fills a
 * row the products could not settle. Blocks of rows keep the product's memory small.
 */
export function productKnn(
  m: Matrix,
  k: number,
  indices: Int32Array,
  squared: Float64Array,
  brute: (i: number) => void,
): void {
  const { rows: n, cols: d, data } = m;
  const norms = new Float64Array(n);
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += data[i * d + c] * data[i * d + c];
    norms[i] = s;
    if (s > maxNorm) maxNorm = s;
  }
  // Float32 rounding of a d-term dot product and of the norms (Higham's γ_d, with room to spare),
  // relative to ‖a‖² + ‖b‖² ≥ 2|a·b|.
  const bound = 4 * (d + 4) * 2 ** -24;
  const all = tf.tensor2d(data, [n, d]);
  try {
    for (let start = 0; start < n; start += BLOCK) {
      const rows = Math.min(BLOCK, n - start);
      const products = tf.tidy(() => tf.matMul(all.slice([start, 0], [rows, d]), all, false, true));
      const approx = products.dataSync() as Float32Array;
      products.dispose();
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        if (!rowFromCandidates(m, i, k, approx, r * n, norms, maxNorm, bound, indices, squared)) brute(i);
      }
    }
  } finally {
    all.dispose();
  }
}
