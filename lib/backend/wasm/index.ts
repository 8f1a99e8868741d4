import * as tf from '@tensorflow/tfjs';
import { add } from './add';
import { ADAM_KERNEL, adamKernel, patchAdam } from './adam';
import { conv2D } from './conv2d';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv2d_backprop';
import { viaCpu } from './cpu_fallback';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise_backprop';
import { batchMatMul } from './matmul';
import { multiply, realDiv, relu } from './elementwise';
import { identity } from './identity';
import { maxPool, maxPoolGrad } from './pool';
import { sum } from './reduce';
import { patchReluGradient, RELU_GRAD_KERNEL, reluGradKernel } from './relu_grad';
import { type KernelFn, replaceKernel } from './util';

/** What we register, and how: `added` where wasm had none, `replaced` where its kernel was slow. */
export const WASM_KERNELS: { name: string; how: 'added' | 'replaced' | 'cpu-copy'; fn: KernelFn }[] = [
  { name: 'Conv2D', how: 'replaced', fn: conv2D },
  { name: 'Conv2DBackpropFilter', how: 'added', fn: conv2DBackpropFilter },
  { name: 'Conv2DBackpropInput', how: 'replaced', fn: conv2DBackpropInput },
  { name: 'BatchMatMul', how: 'replaced', fn: batchMatMul },
  { name: 'DepthwiseConv2dNativeBackpropFilter', how: 'added', fn: depthwiseBackpropFilter },
  { name: 'DepthwiseConv2dNativeBackpropInput', how: 'added', fn: depthwiseBackpropInput },
  { name: 'MaxPool', how: 'replaced', fn: maxPool },
  { name: 'MaxPoolGrad', how: 'replaced', fn: maxPoolGrad },
  { name: 'Sum', how: 'replaced', fn: sum },
  { name: 'Add', how: 'replaced', fn: add },
  { name: 'Relu', how: 'replaced', fn: relu },
  { name: 'Multiply', how: 'replaced', fn: multiply },
  { name: 'RealDiv', how: 'replaced', fn: realDiv },
  { name: 'Identity', how: 'replaced', fn: identity },
  { name: ADAM_KERNEL, how: 'added', fn: adamKernel },
  { name: RELU_GRAD_KERNEL, how: 'added', fn: reluGradKernel },
  { name: 'Einsum', how: 'cpu-copy', fn: viaCpu('Einsum') },
  { name: 'UnsortedSegmentSum', how: 'cpu-copy', fn: viaCpu('UnsortedSegmentSum') },
];

let registered = false;

/**
 * Registers amalgam's wasm kernels (idempotent). Needs @tensorflow/tfjs-backend-wasm imported first
 * (its kernels are what ours build on); lib/backend.ts calls this when it loads the wasm package.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  if (!tf.getKernel('Conv2D', 'wasm'))
    throw new Error('registerWasmKernels: import @tensorflow/tfjs-backend-wasm first');
  for (const k of WASM_KERNELS) replaceKernel(k.name, k.fn);
  patchAdam();
  patchReluGradient();
  registered = true;
}
