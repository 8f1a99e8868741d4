import { type Info, type KernelFn, original } from './util';

/**
 * Identity shares the input's buffer through the backend's reference count, as the cpu backend and
 * wasm's own Reshape do; the wasm kernel copies it (2.5 ms per step for the reference CNN's
 * 64×28×28×32 activations, where tf.layers clones them). No kernel writes into its inputs.
 */
export function identity(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend } = args;
  const { x } = inputs as { x: Info };
  if (x.dtype === 'string') return original('Identity')(args) as Info;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
