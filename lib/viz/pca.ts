// PCA on tfjs: randomized subspace iteration (Halko et al., as scikit-learn's default solver for this shape).
import * as tf from '@tensorflow/tfjs';
import { derive } from '../random';
import { type Matrix, toMatrix } from './matrix';

export interface PcaResult {
  /** n × components, row-major. */
  embedding: Float32Array;
  components: number;
  /** Fraction of the total variance each component explains. */
  explainedVarianceRatio: number[];
}

export interface PcaOptions {
  components?: number;
  /** Power iterations (default 7, scikit-learn's for few components). */
  iterations?: number;
  oversample?: number;
}

/** Orthonormalizes the columns of a d × l row-major matrix in place (modified Gram-Schmidt). */
function orthonormalize(q: Float64Array, d: number, l: number): void {
  for (let j = 0; j < l; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += q[i * l + j] * q[i * l + p];
      for (let i = 0; i < d; i++) q[i * l + j] -= dot * q[i * l + p];
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += q[i * l + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < d; i++) q[i * l + j] /= norm;
  }
}

/** Eigen-decomposition of a small symmetric matrix (cyclic Jacobi). Returns values descending with vectors as columns. */
export function symmetricEigen(a: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p],
            mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k],
            mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p],
            vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values: order.map((i) => m[i * n + i]), vectors };
}

/**
 * Projects rows onto their top principal components. The big products (n × d by d × l) run in tfjs;
 * the small l × l eigenproblem in JS. Signs are fixed (largest loading positive) so runs agree.
 */
export function pca(input: Matrix | unknown, options: PcaOptions = {}): PcaResult {
  const x = toMatrix(input);
  const { rows: n, cols: d } = x;
  const k = Math.min(options.components ?? 2, d, n);
  const l = Math.min(d, n, k + (options.oversample ?? 10));
  const rand = derive('viz:pca');
  return tf.tidy(() => {
    const raw = tf.tensor2d(x.data, [n, d]);
    const mean = raw.mean(0);
    const xc = raw.sub(mean);
    const totalVariance = xc.square().sum().dataSync()[0] / Math.max(1, n - 1);
    const q = new Float64Array(d * l);
    for (let i = 0; i < q.length; i++) q[i] = rand() * 2 - 1; // uniform start; Gram-Schmidt makes it a basis
    orthonormalize(q, d, l);
    const iterations = options.iterations ?? 7;
    for (let it = 0; it < iterations; it++) {
      const qt = tf.tensor2d(Float32Array.from(q), [d, l]);
      const next = tf.matMul(xc, tf.matMul(xc, qt), true, false).dataSync(); // Xᵀ X Q
      q.set(next);
      orthonormalize(q, d, l);
    }
    const qt = tf.tensor2d(Float32Array.from(q), [d, l]);
    const b = tf.matMul(xc, qt);
    const small = Float64Array.from(tf.matMul(b, b, true, false).dataSync()); // (XQ)ᵀ XQ, l × l
    const { values, vectors } = symmetricEigen(small, l);
    const w = new Float32Array(d * k); // components: Q V[:, :k]
    for (let i = 0; i < d; i++)
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let t = 0; t < l; t++) s += q[i * l + t] * vectors[t * l + c];
        w[i * k + c] = s;
      }
    for (let c = 0; c < k; c++) {
      let best = 0;
      for (let i = 0; i < d; i++) if (Math.abs(w[i * k + c]) > Math.abs(w[best * k + c])) best = i;
      if (w[best * k + c] < 0) for (let i = 0; i < d; i++) w[i * k + c] = -w[i * k + c];
    }
    const embedding = tf.matMul(xc, tf.tensor2d(w, [d, k])).dataSync() as Float32Array;
    return {
      embedding: Float32Array.from(embedding),
      components: k,
      explainedVarianceRatio: values.slice(0, k).map((v) => v / Math.max(1, n - 1) / (totalVariance || 1)),
    };
  });
}
