// Every kernel amalgam adds to or replaces on the wasm backend (lib/backend/wasm/index.ts), checked
// against the cpu backend over a grid of shapes, strides 1/2 and paddings same/valid, float32: forward
// values and gradients (tf.grads of a weighted sum, so every output element's gradient differs).
//
// Tolerance: |wasm - cpu| <= 1e-4 * max(1, max |cpu|) per tensor (float32 sums of up to a few thousand
// products accumulated in a different order). The comparator's own failure is tested at the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import tf from '@tensorflow/tfjs';
import { useBackend } from '../../dist/lib/backend/index.js';
import { patchLimit } from '../../dist/lib/backend/wasm/conv2d_backprop.js';
import { WASM_KERNELS } from '../../dist/lib/backend/wasm/index.js';

const TOL = 1e-4;

/** Deterministic, tie-free values in [-1, 1]. */
const values = (n, seed) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + seed * 11.1) * Math.cos(i * 0.29 + seed));
const size = (shape) => shape.reduce((a, b) => a * b, 1);

/** Runs `fn(...tensors)` on `backend` for inputs given as shapes; returns the outputs' values. */
async function runOn(backend, shapes, fn, { grads = true, dtypes = [] } = {}) {
  await useBackend(backend);
  const xs = shapes.map((s, i) =>
    dtypes[i] === 'int32'
      ? tf.tensor(
          Int32Array.from(values(size(s), i + 1), (v) => Math.floor((v + 1) * 2)),
          s,
          'int32',
        )
      : tf.tensor(values(size(s), i + 1), s),
  );
  const out = [];
  const y = fn(...xs);
  out.push(await y.data());
  if (grads) {
    const w = tf.tensor(values(size(y.shape), 99), y.shape);
    const g = tf.grads((...a) =>
      fn(...a)
        .mul(w)
        .sum(),
    )(xs);
    for (const t of g) out.push(await t.data());
    tf.dispose([w, ...g]);
  }
  tf.dispose([y, ...xs]);
  return out;
}

function close(name, cpu, wasm) {
  assert.equal(wasm.length, cpu.length, `${name}: ${wasm.length} outputs vs ${cpu.length}`);
  cpu.forEach((ref, k) => {
    assert.equal(wasm[k].length, ref.length, `${name} output ${k}: size`);
    let scale = 1;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(wasm[k][i] - ref[i]);
      if (!(d <= TOL * scale))
        assert.fail(
          `${name} ${k === 0 ? 'value' : `gradient ${k - 1}`}[${i}]: wasm ${wasm[k][i]} vs cpu ${ref[i]} (|d| = ${d}, allowed ${TOL * scale})`,
        );
    }
  });
}

async function check(name, shapes, fn, opts) {
  close(name, await runOn('cpu', shapes, fn, opts), await runOn('wasm', shapes, fn, opts));
}

const STRIDES = [1, 2],
  PADS = ['same', 'valid'];

// conv2d: Conv2D forward is wasm's own, or the direct C kernel for C·kh·kw <= 27 and C_out % 4 == 0; the gradients are Conv2DBackpropFilter (batch-as-channels
// convolution for NCHW, the C transposed-patches kernel + one matmul for NHWC; the
// C few-rows product for kh·kw·C <= 80, in chunks of 256 pixels) and Conv2DBackpropInput.
const CONV = [
  [2, 9, 9, 1, 4, 3],
  [2, 9, 9, 1, 32, 3], // the direct C forward (C·kh·kw <= 27): one 32-channel block
  [2, 8, 8, 3, 36, 3], // a 32-channel block and a 4-channel tail
  [2, 8, 7, 3, 5, 3],
  [3, 7, 7, 8, 2, 3],
  [2, 10, 10, 4, 3, 5],
  [1, 6, 6, 16, 8, 1],
  [2, 8, 8, 2, 3, [2, 4]],
  [2, 16, 17, 1, 12, 3], // filter gradient over 544 pixels: three chunks of the few-rows product, 8 + 4 columns
];
for (const [n, h, w, ci, co, k] of CONV)
  for (const s of STRIDES)
    for (const pad of PADS) {
      const [kh, kw] = Array.isArray(k) ? k : [k, k];
      test(`conv2d x[${n},${h},${w},${ci}] filter ${kh}x${kw}x${ci}x${co}, stride ${s}, ${pad}: values and input/filter gradients`, () =>
        check(
          'conv2d',
          [
            [n, h, w, ci],
            [kh, kw, ci, co],
          ],
          (x, f) => tf.conv2d(x, f, s, pad),
        ));
    }
test('conv2d stride [2,1], explicit padding: values and gradients', () =>
  check(
    'conv2d',
    [
      [2, 9, 8, 3],
      [3, 3, 3, 4],
    ],
    (x, f) =>
      tf.conv2d(
        x,
        f,
        [2, 1],
        [
          [0, 0],
          [1, 2],
          [0, 1],
          [0, 0],
        ],
      ),
  ));
test('conv2d filter gradient with the batch in chunks (patch limit lowered to one image): values and gradients', async () => {
  const saved = patchLimit.floats;
  patchLimit.floats = 100;
  try {
    await check(
      'conv2d chunked',
      [
        [3, 7, 6, 10],
        [3, 3, 10, 5],
      ],
      (x, f) => tf.conv2d(x, f, 1, 'same'),
    );
    await check(
      'conv2d chunked, few rows',
      [
        [3, 7, 6, 2],
        [3, 3, 2, 5],
      ],
      (x, f) => tf.conv2d(x, f, 1, 'same'),
    );
  } finally {
    patchLimit.floats = saved;
  }
});
test('conv2d NCHW input gradient and filter gradient kernels called directly', async () => {
  for (const [kernel, inputs, attrs] of [
    [
      'Conv2DBackpropFilter',
      [
        [2, 3, 9, 9],
        [2, 4, 5, 5],
      ],
      { strides: [2, 2], pad: 'same', dataFormat: 'NCHW', dilations: [1, 1], filterShape: [3, 3, 3, 4] },
    ],
    [
      'Conv2DBackpropInput',
      [
        [2, 4, 5, 5],
        [3, 3, 3, 4],
      ],
      { strides: [2, 2], pad: 'same', dataFormat: 'NCHW', dilations: [1, 1], inputShape: [2, 3, 9, 9] },
    ],
  ]) {
    const names = kernel === 'Conv2DBackpropFilter' ? ['x', 'dy'] : ['dy', 'filter'];
    await check(kernel, inputs, (a, b) => tf.engine().runKernel(kernel, { [names[0]]: a, [names[1]]: b }, attrs), {
      grads: false,
    });
  }
});

// conv2dTranspose: its forward pass is Conv2DBackpropInput, its gradients Conv2D and Conv2DBackpropFilter.
for (const [n, h, w, ci, co, k] of [
  [2, 5, 5, 3, 4, 3],
  [1, 4, 6, 8, 2, 2],
  [2, 3, 3, 1, 6, 4],
])
  for (const s of STRIDES)
    for (const pad of PADS) {
      const outH = pad === 'same' ? h * s : (h - 1) * s + k,
        outW = pad === 'same' ? w * s : (w - 1) * s + k;
      test(`conv2dTranspose x[${n},${h},${w},${ci}] -> ${co} channels, ${k}x${k}, stride ${s}, ${pad}: values and gradients`, () =>
        check(
          'conv2dTranspose',
          [
            [n, h, w, ci],
            [k, k, co, ci],
          ],
          (x, f) => tf.conv2dTranspose(x, f, [n, outH, outW, co], s, pad),
        ));
    }

// depthwise: DepthwiseConv2dNativeBackpropFilter / BackpropInput (added), channel multiplier 1 and 2.
for (const [n, h, w, ch, m, k] of [
  [2, 8, 8, 3, 1, 3],
  [1, 7, 9, 4, 2, 3],
  [2, 6, 6, 2, 1, 5],
])
  for (const s of STRIDES)
    for (const pad of PADS) {
      test(`depthwiseConv2d x[${n},${h},${w},${ch}] x${m}, ${k}x${k}, stride ${s}, ${pad}: values and gradients`, () =>
        check(
          'depthwiseConv2d',
          [
            [n, h, w, ch],
            [k, k, ch, m],
          ],
          (x, f) => tf.depthwiseConv2d(x, f, s, pad),
        ));
    }
test('separableConv2d stride 1 same: values and gradients (depthwise + pointwise)', () =>
  check(
    'separableConv2d',
    [
      [2, 7, 7, 3],
      [3, 3, 3, 2],
      [1, 1, 6, 4],
    ],
    (x, d, p) => tf.separableConv2d(x, d, p, 1, 'same'),
  ));

// pooling: MaxPoolGrad (replaced; windows that do not overlap in C, 4 channels at a time with a scalar
// tail for C % 4; overlapping ones in the JavaScript loop), AvgPoolGrad (wasm's own).
for (const [n, h, w, c] of [
  [2, 8, 8, 3],
  [1, 7, 9, 5],
  [2, 6, 6, 32],
])
  for (const p of [2, 3])
    for (const s of STRIDES)
      for (const pad of PADS) {
        test(`maxPool/avgPool x[${n},${h},${w},${c}] ${p}x${p}, stride ${s}, ${pad}: values and gradients`, async () => {
          await check('maxPool', [[n, h, w, c]], (x) => tf.maxPool(x, p, s, pad));
          await check('avgPool', [[n, h, w, c]], (x) => tf.avgPool(x, p, s, pad));
        });
      }
for (const pad of PADS)
  test(`maxPool x[2,7,8,6] 3x3 stride 3 (no overlap, C kernel with padding), ${pad}: values and gradients`, () =>
    check('maxPool', [[2, 7, 8, 6]], (x) => tf.maxPool(x, 3, 3, pad)));
test('maxPool gradient with ties (after relu, many zeros) matches cpu', () =>
  check('maxPool(relu)', [[2, 8, 8, 4]], (x) => tf.maxPool(tf.relu(x.sub(0.3)), 2, 2, 'valid')));
// Ties seen by the kernel itself (through relu their gradient would be zeroed): the first maximum in
// row-major window order gets it, as on cpu; both the 2x2/2 fast path and the general loop.
for (const [p, s, pad, shape] of [
  [2, 2, 'valid', [2, 8, 8, 4]],
  [2, 2, 'valid', [2, 8, 8, 7]],
  [3, 1, 'same', [2, 7, 7, 3]],
  [3, 2, 'valid', [1, 9, 9, 2]],
]) {
  test(`MaxPoolGrad on tied inputs (values quantised to 0.5), ${p}x${p} stride ${s} ${pad}: the first maximum gets the gradient`, async () => {
    const [, h, w, c] = shape;
    const oh = pad === 'same' ? Math.ceil(h / s) : Math.floor((h - p) / s) + 1,
      ow = pad === 'same' ? Math.ceil(w / s) : Math.floor((w - p) / s) + 1;
    await check(
      'MaxPoolGrad ties',
      [shape, [shape[0], oh, ow, c]],
      (x, dy) => {
        const q = x.mul(2).round().div(2);
        const y = tf.maxPool(q, p, s, pad);
        return tf.engine().runKernel('MaxPoolGrad', { dy, input: q, output: y }, { filterSize: p, strides: s, pad });
      },
      { grads: false },
    );
  });
}

// Sum (replaced for leading axes: every bias gradient), other axes fall through to wasm's own.
for (const [shape, axis, keepDims] of [
  [[4, 5, 6, 3], [0, 1, 2], false],
  [[4, 5, 6, 3], [0, 1, 2], true],
  [[7, 9], 0, false],
  [[4, 5, 6], [1, 2], false],
  [[4, 5, 6], [0, 2], true],
  [[3, 4], -1, false],
  [[3, 4], [0, 1], false],
  [[300, 7], 0, false], // more than one 64-row block, a column tail
  [[64, 28, 28, 8], [0, 1, 2], false], // the first conv layer's bias gradient size
]) {
  test(`sum over ${JSON.stringify(axis)} of [${shape}] keepDims ${keepDims}: values and gradients`, () =>
    check('sum', [shape], (x) => tf.sum(x, axis, keepDims)));
}

// BatchMatMul (replaced): transposes, batches, broadcasting.
for (const [a, b, ta, tb] of [
  [[5, 7], [7, 3], false, false],
  [[7, 5], [7, 3], true, false],
  [[5, 7], [3, 7], false, true],
  [[7, 5], [3, 7], true, true],
  [[2, 40, 33], [33, 35], false, false],
  [[3, 34, 40], [3, 34, 36], true, false],
  [[2, 3, 4], [2, 5, 4], false, true],
  [[64, 300], [300, 40], false, false],
  [[4, 9], [30, 9], false, true], // few rows against bᵀ: computed as (b·aᵀ)ᵀ
  [[2, 3, 9], [20, 9], false, true], // the same with a's batch folded into its rows
]) {
  // (tfjs's own BatchMatMul gradient rejects a broadcast batch on every backend: values only there)
  const grads = a.length === b.length;
  test(`matMul [${a}]${ta ? 'ᵀ' : ''} · [${b}]${tb ? 'ᵀ' : ''}: values${grads ? ' and gradients' : ''}`, () =>
    check('matMul', [a, b], (x, y) => tf.matMul(x, y, ta, tb), { grads }));
}

// Identity (replaced: shares the buffer): values stay independent of later ops on either tensor.
test('identity/clone shares nothing observable: disposing the source keeps the clone', async () => {
  await useBackend('wasm');
  const a = tf.tensor([1, 2, 3]);
  const b = tf.clone(a);
  const c = tf.engine().runKernel('Identity', { x: a });
  a.dispose();
  assert.deepEqual(Array.from(await b.data()), [1, 2, 3]);
  assert.deepEqual(Array.from(await c.data()), [1, 2, 3]);
  tf.dispose([b, c]);
});

// Kernels that run the cpu backend's kernel on copies.
test('einsum and unsortedSegmentSum (cpu copy) match cpu', async () => {
  await check(
    'einsum',
    [
      [3, 4],
      [4, 5],
    ],
    (a, b) => tf.einsum('ij,jk->ik', a, b),
    { grads: false },
  );
  await check(
    'einsum batched',
    [
      [2, 3, 4],
      [2, 4, 5],
    ],
    (a, b) => tf.einsum('bij,bjk->bik', a, b),
    { grads: false },
  );
  await check('unsortedSegmentSum', [[6, 3], [6]], (x, s) => tf.unsortedSegmentSum(x, s, 4), {
    grads: false,
    dtypes: [undefined, 'int32'],
  });
});

// Batch norm and activations used by the model blocks, forward and gradients.
// Add (replaced for a bias over the last axis, either order; everything else is wasm's own).
for (const [a, b] of [
  [[2, 5, 6, 7], [7]],
  [[8], [3, 8]],
  [[64, 28, 28, 32], [32]],
  [
    [3, 7],
    [3, 7],
  ],
  [
    [3, 7],
    [1, 7],
  ],
  [[4, 1], [4]],
]) {
  test(`add [${a}] + [${b}]: values and gradients`, () => check('add', [a, b], (x, y) => tf.add(x, y)));
}

// Multiply / RealDiv (replaced on the calling thread for same shapes or one single value; other
// broadcasts and int32 are wasm's own). The divisor is kept away from 0.
for (const [a, b] of [
  [
    [3, 7, 5],
    [3, 7, 5],
  ],
  [[], [4, 6]],
  [[4, 6], [1]],
  [[1, 1, 1], [5]],
  [[4, 6], [6]],
  [
    [2, 1, 3],
    [2, 4, 3],
  ],
]) {
  test(`mul and div [${a}] by [${b}]: values and gradients`, async () => {
    await check('mul', [a, b], (x, y) => tf.mul(x, y));
    await check('div', [a, b], (x, y) => tf.div(x, tf.add(tf.abs(y), 0.5)));
  });
}
test('mul of int32 tensors stays exact (wasm kernel)', async () => {
  await check(
    'mul int32',
    [
      [3, 4],
      [3, 4],
    ],
    (x, y) => tf.mul(x, y),
    { grads: false, dtypes: ['int32', 'int32'] },
  );
});

// Relu's gradient (the fused AmalgamReluGrad kernel on wasm), its own gradient (second order through
// dy), and NaN inputs propagated as tfjs's dy · step(x) does.
test('relu: values and gradients, second order through the fused gradient, NaN propagation', async () => {
  await check('relu', [[3, 7, 5]], (x) => tf.relu(x.sub(0.1)));
  await check('relu second order', [[4, 9]], (x) =>
    tf
      .grad((y) => tf.relu(y).mul(y).sum())(x)
      .mul(x),
  );
  for (const b of ['cpu', 'wasm']) {
    await useBackend(b);
    const g = tf.grad((x) => tf.relu(x).sum())(tf.tensor([Number.NaN, -1, 2, 0, 3]));
    assert.deepEqual(Array.from(await g.data()), [Number.NaN, 0, 1, 0, 1], b);
  }
});
test('batchNorm (moments + normalisation), elu, selu, leakyRelu, sigmoid, tanh, softplus: values and gradients', async () => {
  await check('batchNorm', [[4, 5, 5, 3], [3], [3]], (x, g, b) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.batchNorm(x, mean, variance, b, g, 1e-3);
  });
  for (const f of [
    tf.elu,
    tf.selu,
    (x) => tf.leakyRelu(x, 0.2),
    tf.sigmoid,
    tf.tanh,
    tf.softplus,
    tf.relu6,
    (x) => tf.logSoftmax(x),
  ]) {
    await check(`activation ${f.name}`, [[6, 7]], (x) => f(x.mul(3)));
  }
});

/** The same model and data on each backend: one training step's weights agree. */
async function stepOn(backend, build) {
  await useBackend(backend);
  const model = build();
  const xs = tf.tensor(values(8 * 12 * 12 * 2, 5), [8, 12, 12, 2]);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  await model.fit(xs, ys, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
  const w = await Promise.all(model.getWeights().map((t) => t.data()));
  tf.dispose([xs, ys]);
  model.dispose();
  return w;
}

const layersModel = (dropout) => () => {
  const init = (seed) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 12, 2],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'selu',
        kernelInitializer: init(1),
      }),
      tf.layers.batchNormalization(),
      tf.layers.conv2dTranspose({
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'elu',
        kernelInitializer: init(2),
      }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'valid', depthwiseInitializer: init(3) }),
      tf.layers.separableConv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        depthwiseInitializer: init(4),
        pointwiseInitializer: init(5),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
      ...(dropout ? [tf.layers.dropout({ rate: 0.3 })] : []),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(6) }),
    ],
  });
};

test('tf.layers model (conv stride 2, batchnorm, conv2dTranspose, depthwise, separable, max/avg pool, selu/elu): one SGD step matches cpu', async () => {
  close('layers step', await stepOn('cpu', layersModel(false)), await stepOn('wasm', layersModel(false)));
});

test('the same model with dropout trains on wasm: finite weights, loss falls', async () => {
  await useBackend('wasm');
  const model = layersModel(true)();
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor(values(24 * 12 * 12 * 2, 7), [24, 12, 12, 2]);
  const ys = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 24 }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
  const h = await model.fit(xs, ys, { epochs: 25, batchSize: 8, verbose: 0 });
  assert.equal(tf.getBackend(), 'wasm');
  for (const w of model.getWeights()) assert.ok((await w.data()).every(Number.isFinite));
  assert.ok(h.history.loss.at(-1) < 0.7 * h.history.loss[0], `loss ${h.history.loss[0]} -> ${h.history.loss.at(-1)}`);
  tf.dispose([xs, ys]);
  model.dispose();
});

test('every gradient kernel tf.layers needs is registered on wasm (own, added or cpu copy)', async () => {
  await useBackend('wasm');
  const needed = [
    'Conv2D',
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'DepthwiseConv2dNative',
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
    'MaxPool',
    'MaxPoolGrad',
    'AvgPool',
    'AvgPoolGrad',
    'FusedBatchNorm',
    'EluGrad',
    'Selu',
    'Step',
    'LeakyRelu',
    'Prelu',
    'Sigmoid',
    'Softplus',
    'Relu6',
    'BatchMatMul',
    '_FusedMatMul',
    'Sum',
    'Mean',
    'UnsortedSegmentSum',
    'Einsum',
    'ResizeBilinearGrad',
    'ResizeNearestNeighborGrad',
    'LRNGrad',
    'Transpose',
    'Reverse',
    'PadV2',
  ];
  const missing = needed.filter((k) => !tf.getKernel(k, 'wasm'));
  assert.deepEqual(missing, []);
  for (const k of WASM_KERNELS) assert.ok(tf.getKernel(k.name, 'wasm'), k.name);
});

test('the comparator fails on a wrong kernel (a perturbed MaxPoolGrad)', async () => {
  const cpu = await runOn('cpu', [[2, 8, 8, 3]], (x) => tf.maxPool(x, 2, 2, 'valid'));
  const wasm = await runOn('wasm', [[2, 8, 8, 3]], (x) => tf.maxPool(x, 2, 2, 'valid'));
  wasm[1][5] += 1e-2;
  assert.throws(() => close('perturbed', cpu, wasm), /gradient 0\[5\]/);
});
