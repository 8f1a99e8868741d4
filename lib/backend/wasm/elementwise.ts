import { util } from '@tensorflow/tfjs';
import { native } from './native';
import { type Info, type KernelFn, original } from './util';

/**
 * Relu, Multiply and RealDiv on float32 on the calling thread (native/kernels.c `relu`, `binary`):
 * tfjs's wasm kernels run these memory-bound ops on XNNPACK's thread pool, and on a busy machine each
 * call waits for a descheduled pool thread. Multiply / RealDiv: same shapes or one side a single
 * value; any other broadcast, and other dtypes, go to wasm's own kernel.
 */
export function relu(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend } = args;
  const { x } = inputs as { x: Info };
  if (x.dtype !== 'float32') return original('Relu')(args) as Info;
  const out = backend.makeOutput(x.shape, 'float32') as Info;
  const k = native(backend);
  k.relu(k.ptr(x), k.ptr(out), util.sizeFromShape(x.shape));
  return out;
}

function binary(name: string, op: number): KernelFn {
  return (args) => {
    const { inputs, backend } = args;
    const { a, b } = inputs as { a: Info; b: Info };
    const na = util.sizeFromShape(a.shape),
      nb = util.sizeFromShape(b.shape);
    const same = util.arraysEqual(a.shape, b.shape);
    // A single value broadcasts only when the other side's shape is the output's (rank included).
    const sa = !same && na === 1 && a.shape.length <= b.shape.length,
      sb = !same && nb === 1 && b.shape.length <= a.shape.length;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || !(same || sa || sb) || na === 0 || nb === 0)
      return original(name)(args) as Info;
    const shape = sa ? b.shape : a.shape;
    const out = backend.makeOutput(shape, 'float32') as Info;
    const k = native(backend);
    k.binary(k.ptr(a), k.ptr(b), k.ptr(out), util.sizeFromShape(shape), op, sa ? 1 : 0, sb ? 1 : 0);
    return out;
  };
}

export const multiply = binary('Multiply', 0);
export const realDiv = binary('RealDiv', 1);
