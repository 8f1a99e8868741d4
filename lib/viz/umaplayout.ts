// UMAP's layout SGD on typed arrays, in a file of its own (no tfjs, no umap-js) so a worker thread
// can run it: %latent lays out its four representations two at a time (umapworker.ts).
import { InterruptedError } from '../interrupt';

// exp(b·ln x) is twice as fast as Math.pow in V8 and equal to it within 1e-15 relative here.
const pow = (x: number, b: number) => Math.exp(b * Math.log(x));

export interface LayoutState {
  head: ArrayLike<number>;
  tail: ArrayLike<number>;
  epochsPerSample: ArrayLike<number>;
  a: number;
  b: number;
  initialAlpha: number;
  gamma: number;
  nVertices: number;
  negativeSampleRate?: number;
}

/** UMAP's layout SGD (umap-js optimizeLayoutStep, specialised to 2-D typed arrays). */
export async function optimizeLayout(
  y: Float64Array,
  s: LayoutState,
  nEpochs: number,
  random: () => number,
  signal?: AbortSignal,
): Promise<void> {
  const { a, b, gamma, nVertices } = s;
  const m = s.head.length;
  const head = Int32Array.from(s.head),
    tail = Int32Array.from(s.tail);
  const eps = Float64Array.from(s.epochsPerSample);
  const negRate = 5;
  const epsNeg = eps.map((e) => e / negRate);
  const nextSample = Float64Array.from(eps);
  const nextNeg = Float64Array.from(epsNeg);
  const clip = (v: number) => (v > 4 ? 4 : Math.max(v, -4));
  let alpha = s.initialAlpha;
  for (let n = 0; n < nEpochs; n++) {
    if (n % 25 === 0) {
      if (signal?.aborted) throw new InterruptedError();
      await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < m; i++) {
      if (nextSample[i] > n) continue;
      const j = head[i],
        k = tail[i];
      let dx = y[2 * j] - y[2 * k],
        dy = y[2 * j + 1] - y[2 * k + 1];
      const d2 = dx * dx + dy * dy;
      let coeff = 0;
      if (d2 > 0) {
        const pb = pow(d2, b);
        coeff = (-2 * a * b * pb) / d2 / (a * pb + 1);
      }
      let g = clip(coeff * dx) * alpha;
      y[2 * j] += g;
      y[2 * k] -= g;
      dy = y[2 * j + 1] - y[2 * k + 1];
      g = clip(coeff * dy) * alpha;
      y[2 * j + 1] += g;
      y[2 * k + 1] -= g;
      nextSample[i] += eps[i];
      const nNeg = Math.floor((n - nextNeg[i]) / epsNeg[i]);
      for (let p = 0; p < nNeg; p++) {
        const kk = Math.floor(random() * nVertices);
        dx = y[2 * j] - y[2 * kk];
        dy = y[2 * j + 1] - y[2 * kk + 1];
        const dd = dx * dx + dy * dy;
        let c = 0;
        if (dd > 0) c = (2 * gamma * b) / ((0.001 + dd) * (a * pow(dd, b) + 1));
        else if (j === kk) continue;
        y[2 * j] += (c > 0 ? clip(c * dx) : 4) * alpha;
        dy = y[2 * j + 1] - y[2 * kk + 1];
        y[2 * j + 1] += (c > 0 ? clip(c * dy) : 4) * alpha;
      }
      nextNeg[i] += nNeg * epsNeg[i];
    }
    alpha = s.initialAlpha * (1 - n / nEpochs);
  }
}
