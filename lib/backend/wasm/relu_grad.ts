import * as tf from '@tensorflow/tfjs';
import { native } from './native';
import type { Info, KernelFn } from './util';

/** Relu's gradient as one kernel (native/kernels.c `relu_grad`): inputs dy, x; dx = dy where x > 0. */
export const RELU_GRAD_KERNEL = 'AmalgamReluGrad';

export const reluGradKernel: KernelFn = ({ inputs, backend }) => {
  const { dy, x } = inputs as { dy: Info; x: Info };
  const out = backend.makeOutput(x.shape, 'float32') as Info;
  const k = native(backend);
  k.relu_grad(
    k.ptr(dy),
    k.ptr(x),
    k.ptr(out),
    x.shape.reduce((a: number, b: number) => a * b, 1),
  );
  return out;
};

let patched = false;

/**
 * Relu's registered gradient, on wasm with float32 tensors, calls the fused kernel; elsewhere (cpu,
 * tfjs-node, other dtypes) tfjs's own gradient runs unchanged. The fused kernel has a gradient too
 * (itself for dy, zero for x), so second derivatives still work.
 */
export function patchReluGradient(): void {
  if (patched) return;
  patched = true;
  const own = tf.getGradient('Relu');
  if (!own) throw new Error('tfjs registers no gradient for Relu');
  const run = (dy: tf.Tensor, x: tf.Tensor) => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor;
  tf.registerGradient({
    ...own,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || d.dtype !== 'float32')
        return own.gradFunc(dy, saved, attrs);
      return { x: () => run(d, x) };
    },
  });
  tf.registerGradient({
    kernelName: RELU_GRAD_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (ddx, [x]) => ({ dy: () => run(ddx as tf.Tensor, x), x: () => tf.zerosLike(x) }),
  });
}
