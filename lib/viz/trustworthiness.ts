// Trustworthiness (Venna & Kaski): how far the layout's neighbours are from being true neighbours.
// Same definition as sklearn.manifold.trustworthiness; one function scores every method alike.
import { VizError } from './errors';
import { distancesFrom, knn, type Matrix, takeRows, toMatrix } from './matrix';
import { sampleIndices } from '../random';

/**
 * T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uᵢ} (r(i, j) − k), Uᵢ the layout's k neighbours of i
 * that are not among its k nearest in the original space, r their rank there. O(n² d): above
 * `maxPoints` it scores a seeded subset (the same subset for any layout of the same rows).
 */
export function trustworthiness(
  original: Matrix | unknown,
  embedded: Matrix | unknown,
  k = 5,
  maxPoints = 2000,
): number {
  let x = toMatrix(original),
    y = toMatrix(embedded);
  if (x.rows !== y.rows) throw new VizError(`trustworthiness: ${x.rows} original rows but ${y.rows} embedded`);
  if (x.rows > maxPoints) {
    const idx = sampleIndices(x.rows, maxPoints, 'viz:trustworthiness');
    x = takeRows(x, idx);
    y = takeRows(y, idx);
  }
  const n = x.rows;
  k = Math.min(k, Math.floor((n - 1) / 2));
  if (k < 1) return 1;
  const emb = knn(y, k).indices;
  const d = new Float64Array(n);
  let penalty = 0;
  for (let i = 0; i < n; i++) {
    distancesFrom(x, i, d);
    for (let t = 0; t < k; t++) {
      const j = emb[i * k + t];
      const dj = d[j];
      // rank of j among i's neighbours in the original space (1 = nearest), ties broken by index
      let rank = 0;
      for (let m = 0; m < n; m++) if (m !== i && (d[m] < dj || (d[m] === dj && m < j))) rank++;
      rank++;
      if (rank > k) penalty += rank - k;
    }
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}
