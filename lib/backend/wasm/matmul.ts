import { backend_util, util } from '@tensorflow/tfjs';
import { free, type Info, type KernelFn, original, reshape, slice, concat, transpose } from './util';

/**
 * BatchMatMul. The wasm kernel uses XNNPACK (SIMD, threaded) only for an untransposed pair with
 * batch 1; everything else, which is every matmul in a dense layer's backward pass (x^T·dy, dy·W^T),
 * falls to a scalar single-threaded loop. Here transposes become explicit Transpose copies
 * (O(size), cheap next to O(m·n·k)), a batch of `a` against one `b` folds into the rows, and
 * other batches run as per-batch XNNPACK calls when each product is large enough to pay for a slice.
 */
export function batchMatMul(args: Parameters<KernelFn>[0]): Info {
  const { inputs, backend, attrs = {} } = args;
  const orig = original('BatchMatMul');
  const { a, b } = inputs as { a: Info; b: Info };
  const { transposeA = false, transposeB = false } = attrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return orig(args) as Info;

  const ra = a.shape.length,
    rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  util.assert(
    k === kb,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const outShape = [...backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  const batch = Math.max(batchA, batchB);
  // Many tiny products (attention heads, ...): one call to the loop beats many slices.
  if (batch > 1 && batchB !== 1 && m * n * k < 32 ** 3) return orig(args) as Info;

  // a·bᵀ with few rows of a (a dense layer's input gradient dy·Wᵀ): XNNPACK packs its right operand
  // anew for every tensor it has not seen (~2.6 ns a float, more than the product for these shapes),
  // and bᵀ here would be a fresh copy. (b·aᵀ)ᵀ packs only aᵀ, M·k floats instead of n·k: 3136×128 -> 64×128
  // on the reference CNN's dense layer, 3.3 ms -> 1.x ms a step.
  if (transposeB && !transposeA && batchB === 1 && batchA * m < n) {
    const af = reshape(backend, a, [batchA * m, k]);
    const aT = transpose(backend, af, [1, 0]);
    const b2 = reshape(backend, b, [n, k]);
    const outT = mm2(orig, backend, b2, aT); // [n, batchA·m]
    const out = transpose(backend, outT, [1, 0]);
    const res = reshape(backend, out, outShape);
    free(backend, af, aT, b2, outT, out);
    return res;
  }

  const a3 = reshape(backend, a, [batchA, transposeA ? k : m, transposeA ? m : k]);
  const b3 = reshape(backend, b, [batchB, transposeB ? n : k, transposeB ? k : n]);
  const at = transposeA ? transpose(backend, a3, [0, 2, 1]) : a3;
  const bt = transposeB ? transpose(backend, b3, [0, 2, 1]) : b3;
  const mm = (x: Info, y: Info) =>
    orig({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } }) as Info;
  let out: Info;
  if (batchB === 1) {
    const af = reshape(backend, at, [1, batchA * m, k]);
    out = mm(af, bt);
    free(backend, af);
  } else {
    const parts: Info[] = [];
    for (let i = 0; i < batch; i++) {
      const ai = slice(backend, at, [Math.min(i, batchA - 1), 0, 0], [1, m, k]);
      const bi = slice(backend, bt, [Math.min(i, batchB - 1), 0, 0], [1, k, n]);
      parts.push(mm(ai, bi));
      free(backend, ai, bi);
    }
    out = parts.length === 1 ? parts[0] : concat(backend, parts, 0);
    if (parts.length > 1) free(backend, ...parts);
  }
  if (at !== a3) free(backend, at);
  if (bt !== b3) free(backend, bt);
  free(backend, a3, b3);
  const res = reshape(backend, out, outShape);
  free(backend, out);
  return res;
}

/** An untransposed rank-2 product on the wasm kernel (XNNPACK). */
function mm2(orig: KernelFn, backend: any, x: Info, y: Info): Info {
  const x3 = reshape(backend, x, [1, ...x.shape]);
  const y3 = reshape(backend, y, [1, ...y.shape]);
  const out = orig({ inputs: { a: x3, b: y3 }, backend, attrs: { transposeA: false, transposeB: false } }) as Info;
  const res = reshape(backend, out, [x.shape[0], y.shape[1]]);
  free(backend, x3, y3, out);
  return res;
}
