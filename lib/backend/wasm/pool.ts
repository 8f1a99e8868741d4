import { backend_util } from '@tensorflow/tfjs';
import { native } from './native';
import { type Info, type KernelFn, original } from './util';

/**
 * MaxPoolGrad straight on the wasm heap. The wasm kernel walks one channel at a time across NHWC
 * memory (stride C between reads): 38 ms for the reference CNN's first pooling layer (32×28×28×32)
 * on this machine. Windows that do not overlap go to the C kernel (native/kernels.c: SIMD over four
 * channels, no branches); overlapping ones to a JavaScript loop with the channel innermost. Same semantics as the cpu backend: each window's gradient goes to the first
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
  if (sh >= fh && sw >= fw && dh === 1 && dw === 1) {
    // Windows that do not overlap (every pooling layer with stride = size): the C kernel, 4 channels at a time.
    const k = native(backend);
    k.max_pool_grad(k.ptr(input), k.ptr(dy), k.ptr(out), n, h, w, ch, ho, wo, fh, fw, sh, sw, top, left);
    return out;
  }
  // Views after the allocation: growing the heap would detach earlier ones.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
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

/**
 * MaxPool (NHWC, float32, no dilation) on the calling thread in C (native/kernels.c `max_pool`): the
 * wasm kernel runs it on XNNPACK's pool, which a busy machine stalls. Other cases: wasm's own.
 */
export function maxPool(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { x } = inputs as { x: Info };
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  if (x.dtype !== 'float32' || x.shape.length !== 4) return original('MaxPool')(args) as Info;
  const c = backend_util.computePool2DInfo(x.shape as any, filterSize, strides, 1, pad, dimRoundingMode);
  if (c.dilationHeight !== 1 || c.dilationWidth !== 1 || c.outHeight * c.outWidth === 0)
    return original('MaxPool')(args) as Info;
  const out = backend.makeOutput(c.outShape, 'float32') as Info;
  const k = native(backend);
  k.max_pool(
    k.ptr(x),
    k.ptr(out),
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.outHeight,
    c.outWidth,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    c.padInfo.top,
    c.padInfo.left,
  );
  return out;
}
