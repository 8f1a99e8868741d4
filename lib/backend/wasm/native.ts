import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../util/package';
import type { Info } from './util';

/** amalgam's C kernels (native/kernels.c); every pointer is a byte offset into tfjs's wasm heap. */
export interface Native {
  max_pool_grad(...a: number[]): void;
  col_sum(x: number, out: number, acc: number, outer: number, inner: number): void;
  adam(...a: number[]): void;
  relu_grad(dy: number, y: number, dx: number, n: number): void;
  patches_t(...a: number[]): void;
  conv_small(...a: number[]): void;
  bias_add(x: number, bias: number, y: number, rows: number, c: number): void;
  relu(x: number, y: number, n: number): void;
  max_pool(...a: number[]): void;
  binary(a: number, b: number, y: number, n: number, op: number, sa: number, sb: number): void;
  gemm_few_rows(a: number, b: number, c: number, m: number, k: number, n: number, add: number): void;
  /** Byte offset of a tensor's data on the heap. */
  ptr(t: Info): number;
  /** A scratch buffer of at least `bytes` on the heap, reused between calls (grown when too small). */
  scratch(bytes: number): number;
}

/** The global WebAssembly API (its types live in lib.dom, which this project does not load). */
const WA = (globalThis as any).WebAssembly;

let bound: { backend: unknown; native: Native } | undefined;

/**
 * The module instantiated against the running wasm backend's own memory (shared for the threaded
 * build, whose pthreads never run our code: the kernels run on the calling thread). The .wasm files
 * are built by native/build.sh and shipped in the package; loading needs no network and no compiler.
 */
export function native(backend: any): Native {
  if (bound && bound.backend === backend) return bound.native;
  const mod = backend.wasm;
  const memory = mod.wasmMemory ?? mod.asm?.memory;
  if (!(memory instanceof WA.Memory)) throw new Error('amalgam wasm kernels: the tfjs wasm module exposes no memory');
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const file = path.join(
    PACKAGE_ROOT,
    'lib',
    'backend',
    'wasm',
    'native',
    shared ? 'kernels-threaded.wasm' : 'kernels.wasm',
  );
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(
      `amalgam wasm kernels: cannot read ${file} (${(e as Error).message}); rebuild with lib/backend/wasm/native/build.sh`,
    );
  }
  const m = new WA.Module(bytes);
  const env: Record<string, unknown> = { memory };
  for (const imp of WA.Module.imports(m) as { module: string; name: string }[]) {
    if (imp.module === 'env' && imp.name === 'memory') continue;
    if (imp.module === 'env' && imp.name === '__stack_pointer') {
      const stack = 1 << 16;
      env.__stack_pointer = new WA.Global({ value: 'i32', mutable: true }, (mod._malloc(stack) >>> 0) + stack);
    } else
      throw new Error(
        `amalgam wasm kernels: ${file} imports ${imp.module}.${imp.name}, which the loader does not provide`,
      );
  }
  const ex = new WA.Instance(m, { env }).exports as any;
  let scratchAt = 0,
    scratchSize = 0;
  const n: Native = {
    max_pool_grad: ex.max_pool_grad,
    col_sum: ex.col_sum,
    adam: ex.adam,
    relu_grad: ex.relu_grad,
    patches_t: ex.patches_t,
    conv_small: ex.conv_small,
    bias_add: ex.bias_add,
    relu: ex.relu,
    max_pool: ex.max_pool,
    binary: ex.binary,
    gemm_few_rows: ex.gemm_few_rows,
    ptr: (t) => backend.dataIdMap.get(t.dataId).memoryOffset >>> 0,
    scratch(size) {
      if (size > scratchSize) {
        if (scratchAt) mod._free(scratchAt);
        scratchSize = Math.max(size, 2 * scratchSize);
        scratchAt = mod._malloc(scratchSize) >>> 0;
      }
      return scratchAt;
    },
  };
  bound = { backend, native: n };
  return n;
}
