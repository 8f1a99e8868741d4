import { backend_util } from '@tensorflow/tfjs';
import { dilateAndPad } from './conv2d_backprop';
import { concat, free, type Info, type KernelFn, pad, reshape, run, stridedWindow } from './util';

/**
 * DepthwiseConv2dNativeBackpropFilter: per filter tap, the strided input window times dy summed
 * over batch and space (Multiply + Sum on wasm), stacked into [kh, kw, C, M].
 */
export function depthwiseBackpropFilter(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, dilations = 1, pad: padding, dimRoundingMode, filterShape } = attrs;
  const c = backend_util.computeConv2DInfo(
    x.shape as any,
    filterShape,
    strides,
    dilations,
    padding,
    dimRoundingMode,
    true,
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
    inChannels: ch,
  } = c;
  const mult = filterShape[3];
  const { top, left } = c.padInfo;
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
  const dy5 = reshape(backend, dy, [n, ho, wo, ch, mult]);
  const taps: Info[] = [];
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      const win = stridedWindow(backend, xp, i * dh, j * dw, ho, wo, sh, sw);
      const win5 = reshape(backend, win, [n, ho, wo, ch, 1]);
      const prod = run('Multiply', backend, { a: win5, b: dy5 });
      const s = run('Sum', backend, { x: prod }, { axis: [0, 1, 2], keepDims: false });
      taps.push(reshape(backend, s, [1, ch, mult]));
      free(backend, win, win5, prod, s);
    }
  const stacked = taps.length === 1 ? taps[0] : concat(backend, taps, 0);
  const out = reshape(backend, stacked, [kh, kw, ch, mult]);
  free(backend, dy5, stacked, ...(taps.length === 1 ? [] : taps));
  if (xp !== x) free(backend, xp);
  return out;
}

/**
 * DepthwiseConv2dNativeBackpropInput: the transposed depthwise convolution, run as the wasm
 * (XNNPACK) depthwise convolution over the zero-inserted, padded dy with the reversed filter; a
 * channel multiplier M > 1 sums each input channel's M outputs.
 */
export function depthwiseBackpropInput(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, dilations = 1, pad: padding, dimRoundingMode, inputShape } = attrs;
  const c = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as any,
    strides,
    dilations,
    padding,
    dimRoundingMode,
    true,
  );
  const [kh, kw, ch, mult] = filter.shape;
  const dp = dilateAndPad(backend, dy, c);
  const rev = run('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const rev4 = reshape(backend, rev, [kh, kw, ch * mult, 1]);
  const y = run(
    'DepthwiseConv2dNative',
    backend,
    { x: dp, filter: rev4 },
    {
      strides: [1, 1],
      pad: 'valid',
      dilations: [c.dilationHeight, c.dilationWidth],
      dimRoundingMode,
    },
  );
  free(backend, rev, rev4);
  if (dp !== dy) free(backend, dp);
  if (mult === 1) return y;
  const [n, h, w] = y.shape;
  const y5 = reshape(backend, y, [n, h, w, ch, mult]);
  const out = run('Sum', backend, { x: y5 }, { axis: [4], keepDims: false });
  free(backend, y, y5);
  return out;
}
