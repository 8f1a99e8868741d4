// Places new rows (served traffic) into a 2-D layout fitted on other rows (training data), without
// refitting it: PCA's own transform for PCA (the components, recovered exactly from the layout by
// least squares, since the layout is (X − mean)·W), the values themselves for ≤ 2 columns, and for
// UMAP and t-SNE, which have no transform here (umap-js's transform needs the optimizer state this
// project's faster layout loop does not keep; t-SNE has none), each new row at the weighted mean of
// its k nearest fitted rows, umap-learn's initial guess for its own transform. That keeps a row
// inside the fitted cloud however far it is, so each row also gets its distance to the nearest
// fitted row relative to the fitted rows' own nearest-neighbour distance: > 1 means farther out
// than the training data ever is.
import type { Matrix } from './matrix';

export type Placement = 'pca-transform' | 'identity' | 'nearest-neighbours';

export interface Placed {
  coords: Float32Array;
  placement: Placement;
  /** Per new row: distance to its nearest fitted row ÷ the fitted rows' median nearest-neighbour distance. */
  outlying: Float32Array;
}

/** Squared distance between row i of a and row j of b. */
function dist2(a: Matrix, i: number, b: Matrix, j: number): number {
  let s = 0;
  const ai = i * a.cols;
  const bj = j * b.cols;
  for (let c = 0; c < a.cols; c++) {
    const t = a.data[ai + c] - b.data[bj + c];
    s += t * t;
  }
  return s;
}

/** The k nearest rows of `fitted` to row i of `rows` (indices and distances, nearest first). */
function nearest(fitted: Matrix, rows: Matrix, i: number, k: number, skip = -1): { idx: number[]; d: number[] } {
  const idx: number[] = [];
  const d: number[] = [];
  for (let j = 0; j < fitted.rows; j++) {
    if (j === skip) continue;
    const v = dist2(rows, i, fitted, j);
    if (idx.length === k && v >= d[k - 1]) continue;
    let p = idx.length < k ? idx.length : k - 1;
    if (idx.length < k) {
      idx.push(j);
      d.push(v);
    }
    while (p > 0 && d[p - 1] > v) {
      idx[p] = idx[p - 1];
      d[p] = d[p - 1];
      p--;
    }
    idx[p] = j;
    d[p] = v;
  }
  return { idx, d: d.map(Math.sqrt) };
}

/** Solves the symmetric positive-definite system A X = B (A d×d, B d×m) by Cholesky, in place of B. */
function solveSpd(a: Float64Array, b: Float64Array, d: number, m: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * d + j];
    }
  const x = Float64Array.from(b);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < d; i++) {
      let s = x[i * m + c];
      for (let k = 0; k < i; k++) s -= l[i * d + k] * x[k * m + c];
      x[i * m + c] = s / l[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = x[i * m + c];
      for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k * m + c];
      x[i * m + c] = s / l[i * d + i];
    }
  }
  return x;
}

/** PCA's transform: mean and W from the fitted layout (ridge-regularized least squares), then (rows − mean)·W. */
export function pcaTransform(fitted: Matrix, layout: Float32Array, rows: Matrix): Float32Array {
  const { rows: n, cols: d } = fitted;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += fitted.data[i * d + c] / n;
  const xtx = new Float64Array(d * d);
  const xte = new Float64Array(d * 2);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) row[c] = fitted.data[i * d + c] - mean[c];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = 0; b <= a; b++) xtx[a * d + b] += ra * row[b];
      xte[a * 2] += ra * layout[2 * i];
      xte[a * 2 + 1] += ra * layout[2 * i + 1];
    }
  }
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) xtx[b * d + a] = xtx[a * d + b];
    trace += xtx[a * d + a];
  }
  // The components lie in the span of the centred rows; a tiny ridge picks that solution when
  // some dimensions never vary (dead units) and leaves the others exact.
  const ridge = (1e-9 * trace) / d || 1e-12;
  for (let a = 0; a < d; a++) xtx[a * d + a] += ridge;
  const w = solveSpd(xtx, xte, d, 2);
  const out = new Float32Array(rows.rows * 2);
  for (let i = 0; i < rows.rows; i++) {
    let x = 0;
    let y = 0;
    for (let c = 0; c < d; c++) {
      const v = rows.data[i * d + c] - mean[c];
      x += v * w[c * 2];
      y += v * w[c * 2 + 1];
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}

type Neighbours = { idx: number[]; d: number[] };

/** The k nearest fitted rows of every row of `rows`. */
const neighboursOf = (fitted: Matrix, rows: Matrix, k: number): Neighbours[] =>
  Array.from({ length: rows.rows }, (_, i) => nearest(fitted, rows, i, Math.min(k, fitted.rows)));

/** Each row at the weighted mean of the layout of its k nearest fitted rows (umap-learn's transform start). */
export function neighbourPlacement(
  fitted: Matrix,
  layout: Float32Array,
  rows: Matrix,
  k = 5,
  neighbours = neighboursOf(fitted, rows, k),
): Float32Array {
  const out = new Float32Array(rows.rows * 2);
  neighbours.forEach(({ idx, d }, i) => {
    const spread = Math.max(1e-12, d.reduce((s, v) => s + v, 0) / d.length - d[0]);
    let x = 0;
    let y = 0;
    let total = 0;
    idx.forEach((j, t) => {
      const w = Math.exp(-(d[t] - d[0]) / spread);
      x += w * layout[2 * j];
      y += w * layout[2 * j + 1];
      total += w;
    });
    out[2 * i] = x / total;
    out[2 * i + 1] = y / total;
  });
  return out;
}

/** How far each row is from the fitted rows, relative to how far fitted rows are from each other. */
export function outlying(
  fitted: Matrix,
  rows: Matrix,
  nearestDistance = (i: number) => nearest(fitted, rows, i, 1).d[0] ?? 0,
): Float32Array {
  const probe = Math.min(fitted.rows, 200);
  const own: number[] = [];
  for (let i = 0; i < probe; i++) {
    const r = Math.floor((i * fitted.rows) / probe);
    own.push(nearest(fitted, fitted, r, 1, r).d[0] ?? 0);
  }
  own.sort((a, b) => a - b);
  const scale = own[own.length >> 1] || 1e-12;
  const out = new Float32Array(rows.rows);
  for (let i = 0; i < rows.rows; i++) out[i] = nearestDistance(i) / scale;
  return out;
}

/** New rows in the layout `method` fitted on `fitted`. */
export function place(method: string, fitted: Matrix, layout: Float32Array, rows: Matrix): Placed {
  if (fitted.cols <= 2 || method === 'identity') {
    const coords = new Float32Array(rows.rows * 2);
    for (let i = 0; i < rows.rows; i++)
      for (let c = 0; c < rows.cols; c++) coords[2 * i + c] = rows.data[i * rows.cols + c];
    return { coords, placement: 'identity', outlying: outlying(fitted, rows) };
  }
  if (method === 'pca')
    return { coords: pcaTransform(fitted, layout, rows), placement: 'pca-transform', outlying: outlying(fitted, rows) };
  // One neighbour search serves both: the placement's k nearest, and the nearest one's distance.
  const neighbours = neighboursOf(fitted, rows, 5);
  return {
    coords: neighbourPlacement(fitted, layout, rows, 5, neighbours),
    placement: 'nearest-neighbours',
    outlying: outlying(fitted, rows, (i) => neighbours[i].d[0] ?? 0),
  };
}
