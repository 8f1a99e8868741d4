// One call for every projection method, so latent views and the benchmark use the same code.
import { VizError } from './errors';
import { type Matrix, toMatrix } from './matrix';
import { pca } from './pca';
import { tsne } from './tsne';
import { umap } from './umap';

export const METHODS = ['pca', 'umap', 'tsne'] as const;
export type ProjectionMethod = (typeof METHODS)[number];

export interface Projection {
  /** n × 2 coordinates, row-major. */
  coords: Float32Array;
  method: ProjectionMethod | 'identity';
  /** PCA only: variance explained by the two axes. */
  explained?: number[];
}

/** 2-D layout of the rows of `x`. Inputs with ≤ 2 columns are shown as they are. */
export async function project(
  x: Matrix | unknown,
  method: ProjectionMethod = 'pca',
  signal?: AbortSignal,
): Promise<Projection> {
  const m = toMatrix(x);
  if (m.cols <= 2) {
    const coords = new Float32Array(m.rows * 2);
    for (let i = 0; i < m.rows; i++) for (let c = 0; c < m.cols; c++) coords[2 * i + c] = m.data[i * m.cols + c];
    return { coords, method: 'identity' };
  }
  if (method === 'pca') {
    const p = pca(m);
    return { coords: p.embedding, method, explained: p.explainedVarianceRatio };
  }
  if (method === 'umap') return { coords: await umap(m, { signal }), method };
  if (method === 'tsne') return { coords: await tsne(m, { signal }), method };
  throw new VizError(`unknown projection method ${method}; choose one of ${METHODS.join(', ')}`);
}
