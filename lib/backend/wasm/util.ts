import * as tf from '@tensorflow/tfjs';

/** A tensor as kernels see it: no engine bookkeeping, just a dataId on the backend. */
export type Info = tf.TensorInfo;
export type Attrs = Record<string, any>;
export type KernelFn = (args: { inputs: Record<string, any>; backend: any; attrs?: Attrs }) => Info | Info[];

/**
 * The wasm backend's own kernels, captured before we override any, so an override can call the
 * kernel it replaces. `run` calls whatever is registered now (our overrides included).
 */
const originals = new Map<string, KernelFn>();

export function original(name: string): KernelFn {
  let k = originals.get(name);
  if (!k) {
    const cfg = tf.getKernel(name, 'wasm');
    if (!cfg) throw new Error(`wasm has no ${name} kernel to build on`);
    k = cfg.kernelFunc as unknown as KernelFn;
    originals.set(name, k);
  }
  return k;
}

export function run(name: string, backend: any, inputs: Record<string, any>, attrs: Attrs = {}): Info {
  const cfg = tf.getKernel(name, 'wasm');
  if (!cfg) throw new Error(`wasm has no ${name} kernel`);
  return (cfg.kernelFunc as unknown as KernelFn)({ inputs, backend, attrs }) as Info;
}

/** Frees intermediates (reshape shares its input's buffer through a ref count, so this is safe). */
export function free(backend: any, ...infos: (Info | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

export const reshape = (backend: any, x: Info, shape: number[]) => run('Reshape', backend, { x }, { shape });
export const transpose = (backend: any, x: Info, perm: number[]) => run('Transpose', backend, { x }, { perm });
export const pad = (backend: any, x: Info, paddings: [number, number][]) =>
  run('PadV2', backend, { x }, { paddings, constantValue: 0 });
export const slice = (backend: any, x: Info, begin: number[], size: number[]) =>
  run('Slice', backend, { x }, { begin, size });
export const concat = (backend: any, xs: Info[], axis: number) => run('Concat', backend, xs as any, { axis });

/** x[:, r0 : r0 + (n-1)*sr + 1 : sr, c0 : ... : sc, :] for an NHWC tensor. */
export function stridedWindow(
  backend: any,
  x: Info,
  r0: number,
  c0: number,
  rows: number,
  cols: number,
  sr: number,
  sc: number,
): Info {
  const [n, , , ch] = x.shape;
  return run(
    'StridedSlice',
    backend,
    { x },
    {
      begin: [0, r0, c0, 0],
      end: [n, r0 + (rows - 1) * sr + 1, c0 + (cols - 1) * sc + 1, ch],
      strides: [1, sr, sc, 1],
      beginMask: 0,
      endMask: 0,
      ellipsisMask: 0,
      newAxisMask: 0,
      shrinkAxisMask: 0,
    },
  );
}

export function replaceKernel(name: string, kernelFunc: KernelFn): void {
  const prev = tf.getKernel(name, 'wasm');
  if (prev) {
    original(name);
    tf.unregisterKernel(name, 'wasm');
  }
  // Keep the replaced kernel's setup: it binds the wasm export that `original(name)` calls.
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: kernelFunc as any,
    setupFunc: prev?.setupFunc,
    disposeFunc: prev?.disposeFunc,
  });
}
