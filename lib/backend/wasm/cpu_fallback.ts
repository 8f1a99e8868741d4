import * as tf from '@tensorflow/tfjs';
import type { Info, KernelFn } from './util';

/**
 * Kernels no model block hits on its hot path (Einsum, UnsortedSegmentSum, ...): run the cpu
 * backend's kernel on a copy of the inputs and copy the outputs back. Correct by construction,
 * costs two copies; a model that needs them fast should say so in an issue.
 */
export function viaCpu(name: string): KernelFn {
  return ({ inputs, backend, attrs }) => {
    const cpu = tf.engine().findBackend('cpu') as any;
    const kernel = tf.getKernel(name, 'cpu');
    if (!cpu || !kernel) throw new Error(`${name}: the cpu backend is not available to run it`);
    const moved: Info[] = [];
    const move = (t: Info): Info => {
      const c = { dataId: cpu.write(backend.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
      moved.push(c);
      return c;
    };
    const cpuInputs: any = Array.isArray(inputs)
      ? inputs.map(move)
      : Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v == null ? v : move(v as Info)]));
    try {
      const res = kernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs: attrs as any }) as Info | Info[];
      const outs = (Array.isArray(res) ? res : [res]).map((o) => {
        const out = backend.makeOutput(o.shape, o.dtype);
        backend.typedArrayFromHeap(out).set(cpu.readSync(o.dataId));
        cpu.disposeData(o.dataId);
        return out as Info;
      });
      return Array.isArray(res) ? outs : outs[0];
    } finally {
      for (const t of moved) cpu.disposeData(t.dataId);
    }
  };
}
