// amalgam's C kernels (lib/backend/wasm/native/) and the fused Adam update: registered when amalgam is
// imported (a plain tf.setBackend('wasm') script trains with them), the update matches tfjs's own on
// cpu step for step (weights and optimizer state), and the shipped .wasm files are what build.sh makes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import tf from '@tensorflow/tfjs';
import { useBackend } from '../../dist/lib/backend/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATIVE = path.join(ROOT, 'lib', 'backend', 'wasm', 'native');

const values = (n, seed) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + seed * 11.1) * Math.cos(i * 0.29 + seed));

/** A dense + conv model from fixed weights, trained `steps` Adam steps on `backend`; its weights and Adam state. */
async function trainAdam(backend, steps) {
  await useBackend(backend);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(values(w.size, i + 1), w.shape)));
  const opt = tf.train.adam(0.01);
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  const x = tf.tensor(values(4 * 72, 7), [4, 6, 6, 2]);
  const y = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3);
  const profile = await tf.profile(async () => {
    for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  });
  const weights = model.getWeights().map((w) => w.dataSync().slice());
  const state = await opt.getWeights();
  const out = {
    weights,
    state: state.map((s) => ({ name: s.name, data: s.tensor.dataSync().slice() })),
    kernels: new Set(profile.kernelNames),
  };
  tf.dispose([x, y]);
  model.dispose();
  opt.dispose();
  return out;
}

test('fused Adam on wasm: weights and optimizer state (iterations, m, v) match tfjs on cpu after 5 steps', async () => {
  const cpu = await trainAdam('cpu', 5);
  const wasm = await trainAdam('wasm', 5);
  assert.ok(wasm.kernels.has('AmalgamAdam'), 'the fused kernel runs on wasm');
  assert.ok(!wasm.kernels.has('Sqrt'), 'no per-op Adam left on wasm');
  assert.ok(!cpu.kernels.has('AmalgamAdam') && cpu.kernels.has('Sqrt'), 'cpu keeps tfjs Adam');
  assert.equal(wasm.state.length, cpu.state.length);
  const compare = (what, a, b) => {
    assert.equal(a.length, b.length, `${what}: size`);
    let scale = 1;
    for (const v of b) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < a.length; i++)
      assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * scale, `${what}[${i}]: wasm ${a[i]} vs cpu ${b[i]}`);
  };
  cpu.weights.forEach((w, i) => compare(`weight ${i}`, wasm.weights[i], w));
  cpu.state.forEach((s, i) => {
    const role = (n) => n.replace(/\d+/g, ''); // layer names count up across the two models
    assert.equal(role(wasm.state[i].name), role(s.name));
    compare(s.name, wasm.state[i].data, s.data);
  });
  assert.equal(wasm.state[0].data[0], 5, 'iterations');
});

test('importing amalgam registers its wasm kernels: a plain tf.setBackend("wasm") script trains a CNN with them', () => {
  const script = `
    const tf = require('@tensorflow/tfjs');
    require(${JSON.stringify(path.join(ROOT, 'dist', 'lib', 'index.js'))});
    (async () => {
      await tf.setBackend('wasm');
      const model = tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 2, activation: 'softmax' }) ] });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const x = tf.randomNormal([4, 8, 8, 1]), y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
      const p = await tf.profile(() => model.trainOnBatch(x, y));
      console.log(JSON.stringify({ backend: tf.getBackend(), kernels: p.kernelNames }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  const { backend, kernels } = JSON.parse(out.trim().split('\n').pop());
  assert.equal(backend, 'wasm');
  for (const k of ['Conv2DBackpropFilter', 'MaxPoolGrad', 'AmalgamAdam', 'AmalgamReluGrad'])
    assert.ok(kernels.includes(k), k);
});

test('the shipped .wasm files are what native/build.sh builds from kernels.c', {
  skip: !hasEmcc() && 'emcc not installed',
}, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'amalgam-native-'));
  try {
    for (const f of ['kernels.c', 'build.sh']) cpSync(path.join(NATIVE, f), path.join(dir, f));
    execFileSync('sh', [path.join(dir, 'build.sh')], { stdio: 'ignore' });
    for (const f of ['kernels.wasm', 'kernels-threaded.wasm'])
      assert.ok(
        readFileSync(path.join(dir, f)).equals(readFileSync(path.join(NATIVE, f))),
        `${f} is stale: run build.sh`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function hasEmcc() {
  try {
    execFileSync('emcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
