// A retrieve head: nearest neighbours in a representation, no training. The index holds the
// (normalised) representation vectors of the data it was built on.
import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors';

export class RetrievalIndex {
  private vectors?: tf.Tensor2D;
  labels?: ArrayLike<unknown>;

  constructor(
    readonly name: string,
    readonly from: string[],
    readonly k: number,
    readonly metric: 'cosine' | 'euclidean',
  ) {}

  get size(): number {
    return this.vectors?.shape[0] ?? 0;
  }

  /** Indexes these representation rows (outputs of `from`, concatenated), replacing any earlier index. */
  build(reps: Record<string, tf.Tensor>, labels?: ArrayLike<unknown>): void {
    const v = tf.tidy(() => this.prepare(reps));
    this.vectors?.dispose();
    this.vectors = tf.keep(v);
    this.labels = labels;
  }

  private prepare(reps: Record<string, tf.Tensor>): tf.Tensor2D {
    const parts = this.from.map((f) => {
      const t = reps[f];
      if (!t) throw new ModelError(`retrieve head "${this.name}": missing representation ${f}`);
      return t.reshape([t.shape[0], -1]);
    });
    const v = (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
    return this.metric === 'cosine' ? (tf.div(v, tf.add(tf.norm(v, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D) : v;
  }

  /** Indices [n, k] of the nearest indexed rows. */
  query(reps: Record<string, tf.Tensor>): tf.Tensor {
    if (!this.vectors)
      throw new ModelError(`retrieve head "${this.name}" has no index yet: fit the model or call model.index(x) first`);
    const k = Math.min(this.k, this.vectors.shape[0]);
    return tf.tidy(() => {
      const q = this.prepare(reps);
      // cosine: highest dot product; euclidean: lowest |q|² - 2 q·v + |v|² (|q|² is constant per row).
      const dots = tf.matMul(q, this.vectors!, false, true);
      const score = this.metric === 'cosine' ? dots : tf.sub(tf.mul(dots, 2), tf.sum(tf.square(this.vectors!), 1));
      return tf.topk(score, k).indices;
    });
  }

  dispose(): void {
    this.vectors?.dispose();
    this.vectors = undefined;
  }
}
