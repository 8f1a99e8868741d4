import { backend_util } from '@tensorflow/tfjs';
import { native } from './native';
import { type Info, type KernelFn, original } from './util';

/** Up to this many products per output (C·kh·kw) a convolution runs on the direct C kernel. */
export const SMALL_CONV = 27;

/**
 * Conv2D: a first layer (grey-scale or RGB, 3×3: C·kh·kw ≤ 27) with output channels a multiple of 4
 * goes to the C kernel (native/kernels.c `conv_small`); every other convolution to XNNPACK, whose
 * GEMM needs a longer inner dimension than 9 or 27 to run at speed. Measured on the reference CNN's
 * first layer (batch 64, 28×28×1 -> 32): see README "Backends and training speed".
 */
export function conv2D(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { x, filter } = inputs as { x: Info; filter: Info };
  const { strides, pad, dataFormat = 'NHWC', dilations = 1, dimRoundingMode } = attrs;
  const [kh, kw, ci, co] = filter.shape;
  if (
    dataFormat !== 'NHWC' ||
    x.dtype !== 'float32' ||
    filter.dtype !== 'float32' ||
    ci * kh * kw > SMALL_CONV ||
    co % 4 !== 0
  )
    return original('Conv2D')(args) as Info;
  const c = backend_util.computeConv2DInfo(
    x.shape as any,
    filter.shape as any,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const out = backend.makeOutput(c.outShape, 'float32') as Info;
  const k = native(backend);
  k.conv_small(
    k.ptr(x),
    k.ptr(filter),
    k.ptr(out),
    c.batchSize,
    c.inHeight,
    c.inWidth,
    ci,
    c.outHeight,
    c.outWidth,
    co,
    kh,
    kw,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    c.padInfo.top,
    c.padInfo.left,
  );
  return out;
}
