import { backend_util } from '@tensorflow/tfjs';
import { type Info, type KernelFn, original } from './util';

/**
 * MaxPoolGrad in JavaScript straight on the wasm heap. The wasm kernel walks one channel at a time
 * across NHWC memory (stride C between reads): 38 ms for the reference CNN's first pooling layer
 * (32×28×28×32) on this machine. Here the channel is the innermost loop, so every read is
 * sequential: ~3 ms. Same semantics as the cpu backend: each window's gradient goes to the first
 * position holding its maximum (row-major over the window), overlapping windows add up.
 */
export function maxPoolGrad(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { dy, input } = inputs as { dy: Info; input: Info; output: Info };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return original('MaxPoolGrad')(args) as Info;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const c = backend_util.computePool2DInfo(input.shape as any, filterSize, strides, 1, pad, dimRoundingMode);
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: ch,
    outHeight: ho,
    outWidth: wo,
    strideHeight: sh,
    strideWidth: sw,
    effectiveFilterHeight: fh,
    effectiveFilterWidth: fw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = c;
  const { top, left } = c.padInfo;
  const out = backend.makeOutput(input.shape, 'float32') as Info;
  // Views after the allocation: growing the heap would detach earlier ones.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  if (
    fh === 2 &&
    fw === 2 &&
    sh === 2 &&
    sw === 2 &&
    dh === 1 &&
    dw === 1 &&
    top === 0 &&
    left === 0 &&
    h === 2 * ho &&
    w === 2 * wo
  ) {
    pool2x2Grad(x, g, dx, n, h, w, ch, ho, wo);
    return out;
  }
  dx.fill(0);
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * ch;
    for (let yr = 0; yr < ho; yr++) {
      const r0 = yr * sh - top;
      let rMin = r0;
      while (rMin < 0) rMin += dh;
      const rMax = Math.min(h, r0 + fh);
      for (let yc = 0; yc < wo; yc++) {
        const c0 = yc * sw - left;
        let cMin = c0;
        while (cMin < 0) cMin += dw;
        const cMax = Math.min(w, c0 + fw);
        const gy = ((b * ho + yr) * wo + yc) * ch;
        const first = xb + (rMin * w + cMin) * ch;
        if (rMin >= rMax || cMin >= cMax) continue;
        // Channel outer, window inner: the window's few rows stay in cache across channels.
        for (let d = 0; d < ch; d++) {
          let best = x[first + d],
            at = first + d;
          for (let r = rMin; r < rMax; r += dh) {
            for (let col = r === rMin ? cMin + dw : cMin; col < cMax; col += dw) {
              const i = xb + (r * w + col) * ch + d;
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          dx[at] += g[gy + d];
        }
      }
    }
  }
  return out;
}

/** The common 2×2 / stride 2 pooling over even sizes: every input in exactly one window, no zero fill. */
function pool2x2Grad(
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  n: number,
  h: number,
  w: number,
  ch: number,
  ho: number,
  wo: number,
): void {
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * ch;
    for (let yr = 0; yr < ho; yr++)
      for (let yc = 0; yc < wo; yc++) {
        const gy = ((b * ho + yr) * wo + yc) * ch;
        const i0 = xb + (2 * yr * w + 2 * yc) * ch,
          i1 = i0 + ch,
          i2 = i0 + w * ch,
          i3 = i2 + ch;
        for (let d = 0; d < ch; d++) {
          dx[i0 + d] = 0;
          dx[i1 + d] = 0;
          dx[i2 + d] = 0;
          dx[i3 + d] = 0;
        }
        for (let d = 0; d < ch; d++) {
          // First maximum in row-major window order, as the cpu backend picks it.
          let m = x[i0 + d],
            k = i0;
          const v1 = x[i1 + d],
            v2 = x[i2 + d],
            v3 = x[i3 + d];
          if (v1 > m) {
            m = v1;
            k = i1;
          }
          if (v2 > m) {
            m = v2;
            k = i2;
          }
          if (v3 > m) k = i3;
          dx[k + d] = g[gy + d];
        }
      }
  }
}
