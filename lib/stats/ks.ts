// The two-sample Kolmogorov-Smirnov test (asymptotic p-value, as scipy's ks_2samp(method='asymp')
// with Stephens' small-sample correction), and its per-dimension form with Bonferroni's correction:
// the test Alibi Detect's KSDrift runs on each feature of a representation. No maintained npm package
// has the two-sample test (@stdlib/stats-kstest is one-sample), so it is written here and tested
// against scipy's values.
import { column, type Sample } from './matrix';

export interface KsResult {
  /** sup |F₁ − F₂|. */
  statistic: number;
  pValue: number;
}

/** Q(λ) = P(K > λ) of the Kolmogorov distribution: 2 Σ (−1)^{k−1} e^{−2k²λ²}. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

const sorted = (v: ArrayLike<number>) => Float64Array.from(v).sort();

/** Two-sample KS: D = sup |F_a − F_b| and P(D ≥ observed) under "same distribution". */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = sorted(a);
  const y = sorted(b);
  const n = x.length;
  const m = y.length;
  if (!n || !m) throw new RangeError('ksTwoSample: both samples need at least one value');
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i], y[j]);
    while (i < n && x[i] <= v) i++;
    while (j < m && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { statistic: d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

export interface KsDimensionsResult {
  /** The largest per-dimension statistic. */
  statistic: number;
  /** The smallest per-dimension p-value times the number of dimensions (Bonferroni), at most 1. */
  pValue: number;
  /** The dimension with the smallest p-value. */
  dimension: number;
  dims: KsResult[];
}

/** KS on every column of two samples of the same width, corrected for the number of columns. */
export function ksPerDimension(a: Sample, b: Sample): KsDimensionsResult {
  if (a.cols !== b.cols) throw new RangeError(`ksPerDimension: ${a.cols} columns against ${b.cols}`);
  const dims = Array.from({ length: a.cols }, (_, c) => ksTwoSample(column(a, c), column(b, c)));
  let best = 0;
  dims.forEach((r, c) => {
    if (r.pValue < dims[best].pValue) best = c;
  });
  return {
    statistic: Math.max(0, ...dims.map((r) => r.statistic)),
    pValue: dims.length ? Math.min(1, dims[best].pValue * dims.length) : 1,
    dimension: best,
    dims,
  };
}
