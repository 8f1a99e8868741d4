import { util } from '@tensorflow/tfjs';
import { native } from './native';
import { type Info, type KernelFn, original } from './util';

/**
 * Add. A layer's bias ([..., C] + [C], float32, either order) goes to the C kernel (native/kernels.c
 * `bias_add`): tfjs's wasm Add takes its general broadcasting loop there. Every other Add is wasm's own.
 */
export function add(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend } = args;
  const { a, b } = inputs as { a: Info; b: Info };
  const bias = (x: Info, v: Info) =>
    x.dtype === 'float32' &&
    v.dtype === 'float32' &&
    v.shape.length === 1 &&
    x.shape.length > 1 &&
    x.shape[x.shape.length - 1] === v.shape[0];
  const [x, v] = bias(a, b) ? [a, b] : bias(b, a) ? [b, a] : [];
  if (!x || !v) return original('Add')(args) as Info;
  const c = v.shape[0];
  const out = backend.makeOutput(x.shape, 'float32') as Info;
  const k = native(backend);
  k.bias_add(k.ptr(x), k.ptr(v), k.ptr(out), util.sizeFromShape(x.shape) / Math.max(1, c), c);
  return out;
}
