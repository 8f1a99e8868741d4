// Dense row-major matrices: the common currency of projections (tensors, number[][] and typed arrays in).
import { fastProducts, productKnn } from './knn';

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Accepts a tf.Tensor (2-D or more: trailing dims flattened), number[][], or a Matrix. */
export function toMatrix(x: unknown): Matrix {
  const v = x as any;
  if (v && v.data instanceof Float32Array && typeof v.rows === 'number') return v as Matrix;
  if (v && typeof v.dataSync === 'function' && Array.isArray(v.shape)) {
    const rows = v.shape[0];
    const cols = v.shape.slice(1).reduce((a: number, b: number) => a * b, 1);
    return { data: Float32Array.from(v.dataSync()), rows, cols };
  }
  if (Array.isArray(v)) {
    const rows = v.length;
    const cols = rows ? v[0].length : 0;
    const data = new Float32Array(rows * cols);
    v.forEach((r: ArrayLike<number>, i: number) => data.set(r, i * cols));
    return { data, rows, cols };
  }
  throw new TypeError('expected a tf.Tensor, number[][] or {data, rows, cols}');
}

/** The rows at `indices`, in that order. */
export function takeRows(m: Matrix, indices: readonly number[]): Matrix {
  const data = new Float32Array(indices.length * m.cols);
  indices.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: indices.length, cols: m.cols };
}

/** Squared Euclidean distances from row i to every row (length rows). */
export function distancesFrom(m: Matrix, i: number, out: Float64Array = new Float64Array(m.rows)): Float64Array {
  const { data, cols, rows } = m;
  const a = i * cols;
  for (let j = 0; j < rows; j++) {
    const b = j * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const d = data[a + c] - data[b + c];
      s += d * d;
    }
    out[j] = s;
  }
  return out;
}

/** Row i's k nearest (squared distances), by a sorted insertion buffer over all distances: k is small. */
function bruteRow(
  m: Matrix,
  i: number,
  k: number,
  d: Float64Array,
  order: Int32Array,
  indices: Int32Array,
  squared: Float64Array,
): void {
  const n = m.rows;
  distancesFrom(m, i, d);
  d[i] = Infinity;
  let count = 0;
  for (let j = 0; j < n; j++) {
    const dj = d[j];
    if (count === k && dj >= d[order[k - 1]]) continue;
    let p = count < k ? count++ : k - 1;
    while (p > 0 && d[order[p - 1]] > dj) {
      order[p] = order[p - 1];
      p--;
    }
    order[p] = j;
  }
  for (let t = 0; t < k; t++) {
    indices[i * k + t] = order[t];
    squared[i * k + t] = d[order[t]];
  }
}

/**
 * Exact k nearest neighbours of every row (excluding itself; ties by index), brute force: O(n² d),
 * with the distance work in matrix products where tfjs runs them natively or in wasm (knn.ts).
 */
export function knn(m: Matrix, k: number): { indices: Int32Array; distances: Float64Array } {
  const n = m.rows;
  k = Math.min(k, n - 1);
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  if (k <= 0) return { indices, distances };
  const d = new Float64Array(n);
  const order = new Int32Array(n);
  const brute = (i: number) => bruteRow(m, i, k, d, order, indices, distances);
  if (fastProducts(m)) productKnn(m, k, indices, distances, brute);
  else for (let i = 0; i < n; i++) brute(i);
  for (let t = 0; t < distances.length; t++) distances[t] = Math.sqrt(distances[t]);
  return { indices, distances };
}
