import { backend_util } from '@tensorflow/tfjs';
import { native } from './native';
import { concat, free, type Info, type KernelFn, pad, reshape, run, slice, stridedWindow, transpose } from './util';

/**
 * Up to this many patch rows (kh·kw·C) the transposed-patches kernel is used: every NHWC layer by
 * default. Measured on the reference CNN's second layer (batch 64, 14×14, 32 -> 64): 15 ms against
 * 23-37 ms for the batch-as-channels convolution, at 1 and 2 threads (the matmul is all of it).
 */
export const PATCH_ROWS = Number(process.env.AMALGAM_PATCH_ROWS ?? Number.POSITIVE_INFINITY);

/**
 * Up to this many patch rows (kh·kw·C), dW = patches · dy runs on the C kernel `gemm_few_rows`, not
 * XNNPACK: XNNPACK packs its right operand (here dy, new at every call: a gradient is never reused)
 * at ~2.6 ns a float, which for few rows costs more than the product. Measured with a fresh dy per
 * call (2 threads, batch 64, 3×3 filters): 9 rows 1.7 ms against 5.9 (the reference CNN's first
 * layer), 27 rows 4.1 against 7.2, 72 rows 4.4 against 4.9, 144 rows 8.4 against 7.0.
 */
export const FEW_ROWS = { rows: 80 };

/** Patches are built for this many floats at most (64 MiB) at a time: larger batches go in chunks (tests lower it). */
export const patchLimit = { floats: 1 << 24 };

const nchwToNhwc = [0, 2, 3, 1],
  nhwcToNchw = [0, 3, 1, 2];

/**
 * Conv2DBackpropFilter as one forward convolution on the XNNPACK Conv2D (threaded, SIMD), with the
 * batch as the channel being reduced: dW[i,j,c,o] = Σ x[n, ho·s + i·d, wo·s + j·d, c]·dy[n,ho,wo,o]
 * is conv2d(x as [C, H, W, N], dy as filter [Ho, Wo, N, O], stride d, dilation s) -> [C, kh, kw, O].
 * Measured on the reference CNN's second layer (batch 64, 14×14, 32 -> 64, 2 threads): 22 ms, against
 * 64 ms for im2col (strided windows + concat + matmul) and 229 ms for the scalar transposed matmul.
 * A stride and a dilation both above 1 on one axis falls back to im2col.
 */
export function conv2DBackpropFilter(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad: padding, dataFormat = 'NHWC', dilations = 1, dimRoundingMode, filterShape } = attrs;
  const nchw = dataFormat === 'NCHW';
  const c = backend_util.computeConv2DInfo(
    (nchw ? [x.shape[0], x.shape[2], x.shape[3], x.shape[1]] : x.shape) as any,
    filterShape,
    strides,
    dilations,
    padding,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const {
    outHeight: ho,
    outWidth: wo,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
    inHeight: h,
    inWidth: w,
  } = c;
  if (!nchw && x.dtype === 'float32' && c.inChannels * kh * kw <= PATCH_ROWS) return conv2DBackpropFilterPatches(args);
  if ((sh > 1 && dh > 1) || (sw > 1 && dw > 1)) return conv2DBackpropFilterIm2col(args);
  const { top, left } = c.padInfo;
  const needH = (kh - 1) * dh + (ho - 1) * sh + 1,
    needW = (kw - 1) * dw + (wo - 1) * sw + 1;
  // [C, H, W, N] and [Ho, Wo, N, O] straight from either layout.
  const xt = transpose(backend, x, nchw ? [1, 2, 3, 0] : [3, 1, 2, 0]);
  const dyt = transpose(backend, dy, nchw ? [2, 3, 0, 1] : [1, 2, 0, 3]);
  const y = run(
    'Conv2D',
    backend,
    { x: xt, filter: dyt },
    {
      strides: [dh, dw],
      dilations: [sh, sw],
      dataFormat: 'NHWC',
      dimRoundingMode,
      pad: [
        [0, 0],
        [top, Math.max(0, needH - top - h)],
        [left, Math.max(0, needW - left - w)],
        [0, 0],
      ],
    },
  ); // [C, >=kh, >=kw, O]: rows past needH (explicit padding beyond the last window) are cut here
  const yk =
    y.shape[1] === kh && y.shape[2] === kw ? y : slice(backend, y, [0, 0, 0, 0], [y.shape[0], kh, kw, y.shape[3]]);
  const out = transpose(backend, yk, [1, 2, 0, 3]);
  free(backend, xt, dyt, y);
  if (yk !== y) free(backend, yk);
  return out;
}

/**
 * Conv2DBackpropFilter as im2col + one matmul: each of the kh·kw filter taps reads a strided window
 * of the padded input, the windows are concatenated into patches [N·Ho·Wo, kh·kw·C], and
 * dW^T = dy^T · patches runs on XNNPACK. Any stride and dilation together.
 */
export function conv2DBackpropFilterIm2col(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  let { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad: padding, dataFormat = 'NHWC', dilations = 1, dimRoundingMode, filterShape } = attrs;
  const nchw = dataFormat === 'NCHW';
  if (nchw) {
    x = transpose(backend, x, nchwToNhwc);
    dy = transpose(backend, dy, nchwToNhwc);
  }
  const c = backend_util.computeConv2DInfo(
    x.shape as any,
    filterShape,
    strides,
    dilations,
    padding,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const {
    batchSize: n,
    outHeight: ho,
    outWidth: wo,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
    inChannels: ci,
    outChannels: co,
  } = c;
  const { top, left } = c.padInfo;
  // Rows/cols the windows touch, so the padded input covers them exactly.
  const needH = (kh - 1) * dh + (ho - 1) * sh + 1,
    needW = (kw - 1) * dw + (wo - 1) * sw + 1;
  const [, h, w] = x.shape;
  const xp =
    top || left || needH > top + h || needW > left + w
      ? pad(backend, x, [
          [0, 0],
          [top, Math.max(0, needH - top - h)],
          [left, Math.max(0, needW - left - w)],
          [0, 0],
        ])
      : x;
  const taps: Info[] = [];
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) taps.push(stridedWindow(backend, xp, i * dh, j * dw, ho, wo, sh, sw));
  const patches = taps.length === 1 ? taps[0] : concat(backend, taps, 3);
  const p2 = reshape(backend, patches, [n * ho * wo, kh * kw * ci]);
  const dy2 = reshape(backend, dy, [n * ho * wo, co]);
  const dwT = run('BatchMatMul', backend, { a: dy2, b: p2 }, { transposeA: true, transposeB: false }); // [co, kh·kw·ci]
  const dwFlat = transpose(backend, dwT, [1, 0]);
  const out = reshape(backend, dwFlat, [kh, kw, ci, co]);
  free(backend, dwFlat, dwT, dy2, p2, ...(taps.length === 1 ? [] : taps), patches);
  if (xp !== x) free(backend, xp);
  if (nchw) free(backend, x, dy);
  return out;
}

/**
 * Zero-inserts `dy` by the stride and pads/crops it so that a stride-1 'valid' convolution with the
 * spatially reversed, in/out-swapped filter yields dx: the transposed convolution. Shared with the
 * depthwise input gradient.
 */
export function dilateAndPad(backend: any, dy: Info, c: backend_util.Conv2DInfo): Info {
  const {
    batchSize: n,
    outHeight: ho,
    outWidth: wo,
    strideHeight: sh,
    strideWidth: sw,
    inHeight: h,
    inWidth: w,
    filterHeight: kh,
    filterWidth: kw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = c;
  const ch = dy.shape[3];
  const tmp: Info[] = [];
  let d = dy;
  if (sh > 1 || sw > 1) {
    const r = reshape(backend, dy, [n, ho, 1, wo, 1, ch]);
    const p = pad(backend, r, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    d = reshape(backend, p, [n, ho * sh, wo * sw, ch]);
    tmp.push(r, p, d);
  }
  const keh = (kh - 1) * dh + 1,
    kew = (kw - 1) * dw + 1;
  // Padded row p holds dilated row p - pt; the conv needs h + keh - 1 rows.
  const pt = keh - 1 - c.padInfo.top,
    pl = kew - 1 - c.padInfo.left;
  const rows = h + keh - 1,
    cols = w + kew - 1;
  const pb = Math.max(0, rows - pt - ho * sh),
    pr = Math.max(0, cols - pl - wo * sw);
  let out = d;
  if (pt > 0 || pl > 0 || pb > 0 || pr > 0)
    tmp.push(
      (out = pad(backend, d, [
        [0, 0],
        [Math.max(0, pt), pb],
        [Math.max(0, pl), pr],
        [0, 0],
      ])),
    );
  const r0 = Math.max(0, -pt),
    c0 = Math.max(0, -pl);
  if (out.shape[1] !== rows || out.shape[2] !== cols || r0 || c0)
    tmp.push((out = slice(backend, out, [0, r0, c0, 0], [n, rows, cols, ch])));
  free(backend, ...tmp.filter((t) => t !== out));
  return out;
}

/**
 * Conv2DBackpropInput (also the forward pass of conv2dTranspose). The wasm kernel is a scalar
 * single-threaded loop; as a transposed convolution it runs on the XNNPACK Conv2D instead.
 */
export function conv2DBackpropInput(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  let { dy } = inputs as { dy: Info; filter: Info };
  const { filter } = inputs as { filter: Info };
  const { inputShape, strides, pad: padding, dataFormat = 'NHWC', dimRoundingMode, dilations = 1 } = attrs;
  const nchw = dataFormat === 'NCHW';
  if (nchw) dy = transpose(backend, dy, nchwToNhwc);
  const xShape = nchw ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : inputShape;
  const c = backend_util.computeConv2DInfo(
    xShape,
    filter.shape as any,
    strides,
    dilations,
    padding,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  // Stride 1: the padding is the convolution's own (no padded copy of dy); else dy is zero-inserted.
  const keh = (c.filterHeight - 1) * c.dilationHeight + 1,
    kew = (c.filterWidth - 1) * c.dilationWidth + 1;
  const pt = keh - 1 - c.padInfo.top,
    pl = kew - 1 - c.padInfo.left;
  const pb = c.inHeight + keh - 1 - pt - c.outHeight,
    pr = c.inWidth + kew - 1 - pl - c.outWidth;
  const direct = c.strideHeight === 1 && c.strideWidth === 1 && pt >= 0 && pl >= 0 && pb >= 0 && pr >= 0;
  const dp = direct ? dy : dilateAndPad(backend, dy, c);
  const rev = run('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const flipped = transpose(backend, rev, [0, 1, 3, 2]);
  let dx = run(
    'Conv2D',
    backend,
    { x: dp, filter: flipped },
    {
      strides: [1, 1],
      pad: direct
        ? [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ]
        : 'valid',
      dataFormat: 'NHWC',
      dilations: [c.dilationHeight, c.dilationWidth],
      dimRoundingMode,
    },
  );
  free(backend, rev, flipped);
  if (dp !== dy) free(backend, dp);
  if (nchw) {
    const t = transpose(backend, dx, nhwcToNchw);
    free(backend, dx, dy);
    dx = t;
  }
  return dx;
}

/**
 * Conv2DBackpropFilter (NHWC): the patches are written transposed, [kh·kw·C, N·Ho·Wo], by the C kernel
 * (native/kernels.c `patches_t`, a 4×4 SIMD transpose) straight into the wasm heap, so
 * dW = patches^T · dy is one untransposed XNNPACK matmul (threaded) whose [kh·kw·C, O] result is
 * already the filter layout; batches whose patches pass 64 MiB go in chunks, summed. The
 * batch-as-channels convolution above is slower: its output is kh×kw pixels of C channels while its
 * "filter" is the whole Ho×Wo image.
 */
export function conv2DBackpropFilterPatches(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad: padding, dilations = 1, dimRoundingMode, filterShape } = attrs;
  const c = backend_util.computeConv2DInfo(
    x.shape as any,
    filterShape,
    strides,
    dilations,
    padding,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: ci,
    outChannels: co,
    outHeight: ho,
    outWidth: wo,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = c;
  const { top, left } = c.padInfo;
  const k = kh * kw * ci;
  const per = Math.max(1, Math.floor(patchLimit.floats / (k * ho * wo))); // images per chunk
  const nk = native(backend);
  let acc: Info | undefined;
  for (let b0 = 0; b0 < n; b0 += per) {
    const nb = Math.min(per, n - b0),
      p = nb * ho * wo;
    const patches = backend.makeOutput([1, k, p], 'float32') as Info;
    nk.patches_t(
      nk.ptr(x) + 4 * b0 * h * w * ci,
      nk.ptr(patches),
      nb,
      h,
      w,
      ci,
      ho,
      wo,
      kh,
      kw,
      sh,
      sw,
      dh,
      dw,
      top,
      left,
    );
    if (k <= FEW_ROWS.rows) {
      acc ??= backend.makeOutput([kh, kw, ci, co], 'float32') as Info;
      nk.gemm_few_rows(nk.ptr(patches), nk.ptr(dy) + 4 * b0 * ho * wo * co, nk.ptr(acc), k, p, co, b0 > 0 ? 1 : 0);
      free(backend, patches);
      continue;
    }
    const dyb = nb === n ? dy : slice(backend, dy, [b0, 0, 0, 0], [nb, ho, wo, co]);
    const dy3 = reshape(backend, dyb, [1, p, co]);
    const mm = run('BatchMatMul', backend, { a: patches, b: dy3 }, { transposeA: false, transposeB: false });
    free(backend, patches, dy3);
    if (dyb !== dy) free(backend, dyb);
    if (acc) {
      const sum = run('Add', backend, { a: acc, b: mm });
      free(backend, acc, mm);
      acc = sum;
    } else acc = mm;
  }
  const out = reshape(backend, acc!, [kh, kw, ci, co]);
  free(backend, acc);
  return out;
}
