// Barnes-Hut t-SNE (van der Maaten 2014), written here because the npm packages are exact O(N²)
// (tsne-js: 96 s for 2,000 points). Sparse input affinities from 3·perplexity exact neighbours,
// quadtree repulsion with theta 0.5, PCA initialization, schedule and gains as scikit-learn's.
import { InterruptedError } from '../interrupt';
import { derive } from '../random';
import { knn, type Matrix, toMatrix } from './matrix';
import { pca } from './pca';

export interface TsneOptions {
  perplexity?: number;
  /** Gradient steps (default 1000, scikit-learn's). */
  iterations?: number;
  /** Barnes-Hut accuracy/speed trade-off (default 0.5). */
  theta?: number;
  earlyExaggeration?: number;
  /** Default 'auto': max(n / exaggeration / 4, 50), as scikit-learn. */
  learningRate?: number;
  init?: 'pca' | 'random';
  signal?: AbortSignal;
}

/** Conditional probabilities p_{j|i} over each row's neighbours, with sigma found by bisection on perplexity. */
function affinities(dist: Float64Array, n: number, k: number, perplexity: number): Float64Array {
  const p = new Float64Array(n * k);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    let beta = 1,
      lo = -Infinity,
      hi = Infinity;
    const row = i * k;
    for (let it = 0; it < 100; it++) {
      let sum = 0,
        hsum = 0;
      for (let t = 0; t < k; t++) {
        const d2 = dist[row + t] * dist[row + t];
        const v = Math.exp(-d2 * beta);
        p[row + t] = v;
        sum += v;
        hsum += d2 * v;
      }
      if (sum === 0) sum = 1e-12;
      const entropy = Math.log(sum) + (beta * hsum) / sum;
      const diff = entropy - target;
      for (let t = 0; t < k; t++) p[row + t] /= sum;
      if (Math.abs(diff) < 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  return p;
}

/** Symmetric P = (P + Pᵀ) / sum, as CSR arrays. */
function symmetrize(idx: Int32Array, p: Float64Array, n: number, k: number) {
  const maps: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      const j = idx[i * k + t],
        v = p[i * k + t];
      maps[i].set(j, (maps[i].get(j) ?? 0) + v);
      maps[j].set(i, (maps[j].get(i) ?? 0) + v);
    }
  const rowPtr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i] + maps[i].size;
  const col = new Int32Array(rowPtr[n]);
  const val = new Float64Array(rowPtr[n]);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let o = rowPtr[i];
    for (const [j, v] of maps[i]) {
      col[o] = j;
      val[o++] = v;
      total += v;
    }
  }
  for (let e = 0; e < val.length; e++) val[e] /= total;
  return { rowPtr, col, val };
}

/** A quadtree over 2-D points in flat arrays: centre of mass, count and extent per node. */
class QuadTree {
  cx: Float64Array;
  cy: Float64Array;
  mass: Float64Array;
  half: Float64Array;
  ox: Float64Array;
  oy: Float64Array;
  child: Int32Array;
  point: Int32Array;
  leaf: Uint8Array;
  size = 0;
  constructor(capacity: number) {
    this.cx = new Float64Array(capacity);
    this.cy = new Float64Array(capacity);
    this.mass = new Float64Array(capacity);
    this.half = new Float64Array(capacity);
    this.ox = new Float64Array(capacity);
    this.oy = new Float64Array(capacity);
    this.child = new Int32Array(capacity * 4);
    this.point = new Int32Array(capacity);
    this.leaf = new Uint8Array(capacity);
  }
  private node(ox: number, oy: number, half: number): number {
    const id = this.size++;
    this.ox[id] = ox;
    this.oy[id] = oy;
    this.half[id] = half;
    this.cx[id] = 0;
    this.cy[id] = 0;
    this.mass[id] = 0;
    this.point[id] = -1;
    this.leaf[id] = 1;
    this.child.fill(-1, id * 4, id * 4 + 4);
    return id;
  }
  /** Builds over `order` (a spatially sorted permutation) so nodes near in space are near in memory. */
  build(y: Float64Array, n: number, order?: Int32Array): void {
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = y[2 * i],
        b = y[2 * i + 1];
      if (a < minX) minX = a;
      if (a > maxX) maxX = a;
      if (b < minY) minY = b;
      if (b > maxY) maxY = b;
    }
    this.size = 0;
    const root = this.node((minX + maxX) / 2, (minY + maxY) / 2, Math.max(maxX - minX, maxY - minY) / 2 + 1e-5);
    for (let t = 0; t < n; t++) {
      const i = order ? order[t] : t;
      this.insert(root, i, y[2 * i], y[2 * i + 1], y, 0);
    }
  }
  private insert(node: number, i: number, px: number, py: number, y: Float64Array, depth: number): void {
    for (;;) {
      const m = this.mass[node];
      this.cx[node] = (this.cx[node] * m + px) / (m + 1);
      this.cy[node] = (this.cy[node] * m + py) / (m + 1);
      this.mass[node] = m + 1;
      const leaf = this.leaf[node] === 1;
      if (m === 0 && leaf) {
        this.point[node] = i;
        return;
      }
      // Duplicates (or very deep trees) stay in one leaf: their mass counts, their position is the centre.
      if (depth > 40) return;
      if (leaf && this.point[node] >= 0) {
        const j = this.point[node];
        this.point[node] = -1;
        const q = this.quadrant(node, y[2 * j], y[2 * j + 1]);
        const c = this.childAt(node, q);
        this.cx[c] = y[2 * j];
        this.cy[c] = y[2 * j + 1];
        this.mass[c] = 1;
        this.point[c] = j;
      }
      const q = this.quadrant(node, px, py);
      node = this.childAt(node, q);
      depth++;
      if (this.mass[node] === 0) {
        this.cx[node] = px;
        this.cy[node] = py;
        this.mass[node] = 1;
        this.point[node] = i;
        return;
      }
    }
  }
  private quadrant(node: number, px: number, py: number): number {
    return (px >= this.ox[node] ? 1 : 0) + (py >= this.oy[node] ? 2 : 0);
  }
  private childAt(node: number, q: number): number {
    let c = this.child[node * 4 + q];
    if (c === -1) {
      const h = this.half[node] / 2;
      c = this.node(this.ox[node] + (q & 1 ? h : -h), this.oy[node] + (q & 2 ? h : -h), h);
      this.child[node * 4 + q] = c;
      this.leaf[node] = 0;
    }
    return c;
  }
}

/** Sorts `order` by the Morton (Z-order) code of each point on a 1024 × 1024 grid. */
function spatialOrder(y: Float64Array, n: number, order: Int32Array): void {
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = y[2 * i],
      b = y[2 * i + 1];
    if (a < minX) minX = a;
    if (a > maxX) maxX = a;
    if (b < minY) minY = b;
    if (b > maxY) maxY = b;
  }
  const sx = 1023 / (maxX - minX || 1),
    sy = 1023 / (maxY - minY || 1);
  const spread = (v: number) => {
    v &= 0x3ff;
    v = (v | (v << 8)) & 0x00ff00ff;
    v = (v | (v << 4)) & 0x0f0f0f0f;
    v = (v | (v << 2)) & 0x33333333;
    v = (v | (v << 1)) & 0x55555555;
    return v;
  };
  const code = new Uint32Array(n);
  for (let i = 0; i < n; i++)
    code[i] = (spread((y[2 * i] - minX) * sx) | (spread((y[2 * i + 1] - minY) * sy) << 1)) >>> 0;
  const sorted = Array.from(order).sort((a, b) => code[a] - code[b]);
  order.set(sorted);
}

/**
 * 2-D t-SNE of the rows of `input`. Repeatable: initialization and any randomness come from the
 * library's seeded generator (`%seed`).
 */
export async function tsne(input: Matrix | unknown, options: TsneOptions = {}): Promise<Float32Array> {
  const x = toMatrix(input);
  const n = x.rows;
  if (n < 3) return new Float32Array(n * 2);
  const perplexity = Math.min(options.perplexity ?? 30, (n - 1) / 3);
  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  const nn = knn(x, k);
  const P = symmetrize(nn.indices, affinities(nn.distances, n, k, perplexity), n, k);

  const y = new Float64Array(n * 2);
  if ((options.init ?? 'pca') === 'pca') {
    const e = pca(x, { components: 2 }).embedding;
    let mean = 0,
      sq = 0;
    for (let i = 0; i < n; i++) mean += e[2 * i] / n;
    for (let i = 0; i < n; i++) sq += (e[2 * i] - mean) ** 2 / n;
    const scale = 1e-4 / (Math.sqrt(sq) || 1); // scikit-learn: std of the first component 1e-4
    for (let i = 0; i < 2 * n; i++) y[i] = e[i] * scale;
  } else {
    const rand = derive('viz:tsne');
    for (let i = 0; i < 2 * n; i++) y[i] = (rand() - 0.5) * 2e-4;
  }

  const exaggeration = options.earlyExaggeration ?? 12;
  const eta = options.learningRate ?? Math.max(n / exaggeration / 4, 50);
  const iterations = options.iterations ?? 1000;
  const theta2 = (options.theta ?? 0.5) ** 2;
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  const tree = new QuadTree(8 * n + 64);
  const stack = new Int32Array(8 * n + 64);
  const order = Int32Array.from({ length: n }, (_, i) => i);

  for (let it = 0; it < iterations; it++) {
    if (it % 50 === 0) {
      if (options.signal?.aborted) throw new InterruptedError();
      await new Promise((r) => setImmediate(r)); // let the kernel answer interrupts and heartbeats
    }
    const exag = it < 250 ? exaggeration : 1;
    const momentum = it < 250 ? 0.5 : 0.8;
    if (it % 10 === 0) spatialOrder(y, n, order);
    tree.build(y, n, order);
    const { mass, cx, cy, half, child, point, leaf: leafs } = tree;
    // Repulsion: sum over far cells of N q², and Z = Σ q (unnormalized).
    let z = 0;
    for (let t = 0; t < n; t++) {
      const i = order[t]; // consecutive points walk the same nodes: cache-friendly
      const px = y[2 * i],
        py = y[2 * i + 1];
      let fx = 0,
        fy = 0,
        sp = 0;
      stack[sp++] = 0;
      while (sp > 0) {
        const node = stack[--sp];
        const m = mass[node];
        const dx = px - cx[node],
          dy = py - cy[node];
        const d2 = dx * dx + dy * dy;
        const isLeaf = leafs[node] === 1;
        const width = 2 * half[node];
        if (isLeaf || width * width < theta2 * d2) {
          if (isLeaf && point[node] === i && m === 1) continue;
          const self = isLeaf && d2 === 0 ? 1 : 0; // a leaf of duplicates that includes i
          const count = m - self;
          if (count <= 0) continue;
          const q = 1 / (1 + d2);
          z += count * q;
          fx += count * q * q * dx;
          fy += count * q * q * dy;
        } else {
          for (let c = node * 4; c < node * 4 + 4; c++) {
            const ch = child[c];
            if (ch !== -1) stack[sp++] = ch;
          }
        }
      }
      grad[2 * i] = -fx;
      grad[2 * i + 1] = -fy; // stored unnormalized; divided by z below
    }
    const invZ = 1 / Math.max(z, 1e-12);
    for (let i = 0; i < n; i++) {
      let ax = 0,
        ay = 0;
      const px = y[2 * i],
        py = y[2 * i + 1];
      for (let e = P.rowPtr[i]; e < P.rowPtr[i + 1]; e++) {
        const j = P.col[e];
        const dx = px - y[2 * j],
          dy = py - y[2 * j + 1];
        const w = P.val[e] / (1 + dx * dx + dy * dy);
        ax += w * dx;
        ay += w * dy;
      }
      grad[2 * i] = 4 * (exag * ax + grad[2 * i] * invZ);
      grad[2 * i + 1] = 4 * (exag * ay + grad[2 * i + 1] * invZ);
    }
    for (let t = 0; t < 2 * n; t++) {
      const g = grad[t];
      gains[t] = Math.max(0.01, Math.sign(g) !== Math.sign(update[t]) ? gains[t] + 0.2 : gains[t] * 0.8);
      update[t] = momentum * update[t] - eta * gains[t] * g;
      y[t] += update[t];
    }
  }
  return Float32Array.from(y);
}
