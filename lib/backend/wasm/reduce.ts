import { native } from './native';
import { type Info, type KernelFn, original } from './util';

/**
 * Sum over leading axes (the bias gradient of every conv and dense layer: [N,H,W,C] -> [C]). The
 * wasm kernel transposes the reduced axes to the end first; a column sum over contiguous rows needs
 * no copy. The C kernel (native/kernels.c) sums 64-row blocks in float32 SIMD and adds the blocks in
 * float64. Every other reduction goes to the wasm kernel.
 */
export function sum(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const { x } = inputs as { x: Info };
  const rank = x.shape.length;
  const axes = [
    ...new Set<number>(
      (Array.isArray(attrs.axis) ? attrs.axis : [attrs.axis]).map((a: number) => (a < 0 ? a + rank : a)),
    ),
  ].sort((a, b) => a - b);
  const k = axes.length;
  const leading = x.dtype === 'float32' && k > 0 && k < rank && axes.every((a, i) => a === i);
  if (!leading) return original('Sum')(args) as Info;
  const inner = x.shape.slice(k).reduce((p, q) => p * q, 1);
  const outer = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
  const shape = attrs.keepDims ? x.shape.map((s, i) => (i < k ? 1 : s)) : x.shape.slice(k);
  const out = backend.makeOutput(shape, 'float32') as Info;
  const c = native(backend);
  c.col_sum(c.ptr(x), c.ptr(out), c.scratch(8 * inner), outer, inner);
  return out;
}
