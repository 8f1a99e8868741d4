// Backend selection with the native packages absent (as on this machine: no libtensorflow, no CUDA):
// selection falls back to wasm and each unavailable backend says what to install. lib/backend/index.ts
// requires packages through `loader`, so the test can make a package absent, aliased or broken.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import tf from '@tensorflow/tfjs';
import * as backend from '../../dist/lib/backend/index.js';

const require = createRequire(import.meta.url);
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const real = backend.loader.require;

function missing(id) {
  const e = new Error(`Cannot find module '${id}'`);
  e.code = 'MODULE_NOT_FOUND';
  return e;
}

/** `absent`: ids that fail to resolve; `broken`: packages whose manifest exists but whose binding throws. */
function withPackages({ absent = [], broken = [] }) {
  backend.loader.require = (id) => {
    const pkg = id.replace(/\/package\.json$/, '');
    if (absent.includes(pkg)) throw missing(id);
    if (broken.includes(pkg)) {
      if (id.endsWith('/package.json')) return { name: pkg, version: '4.22.0' };
      throw new Error(
        `libtensorflow.so.2: cannot open shared object file: No such file or directory\n    at Module._extensions..node`,
      );
    }
    return require(id);
  };
  backend.resetBackendProbes();
}

const NATIVE = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

test('native packages absent: selection falls back to wasm, and the status names what to install', async () => {
  withPackages({ absent: NATIVE });
  try {
    assert.equal(await backend.selectBackend(), 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    const rows = await backend.backendStatus();
    const row = (n) => rows.find((r) => r.name === n);
    assert.equal(row('tensorflow-gpu').available, false);
    assert.match(row('tensorflow-gpu').reason, /npm install @tensorflow\/tfjs-node-gpu/);
    assert.match(row('tensorflow-gpu').reason, /CUDA/);
    assert.equal(row('tensorflow').available, false);
    assert.match(row('tensorflow').reason, /npm install @tensorflow\/tfjs-node\b/);
    assert.equal(row('wasm').active, true);
    assert.ok(row('wasm').threads >= 1);
    assert.match(row('wasm').reason, /thread/);
    assert.match(backend.selectionMessage(), /using wasm/);
    assert.match(backend.selectionMessage(), /npm install @tensorflow\/tfjs-node/);
  } finally {
    backend.loader.require = real;
  }
});

test('a native package installed without a loadable libtensorflow: unavailable, the binding error quoted, wasm selected', async () => {
  withPackages({ broken: NATIVE });
  try {
    assert.equal(await backend.selectBackend(), 'wasm');
    const rows = await backend.backendStatus();
    for (const name of ['tensorflow', 'tensorflow-gpu']) {
      const r = rows.find((x) => x.name === name);
      assert.equal(r.available, false);
      assert.match(r.reason, /binding did not load \(libtensorflow\.so\.2: cannot open shared object file/);
    }
  } finally {
    backend.loader.require = real;
  }
});

test('the real install: @tensorflow/tfjs-node is an npm alias of tfjs here (danfojs override), never mistaken for the native backend', async () => {
  backend.loader.require = real;
  backend.resetBackendProbes();
  const rows = await backend.backendStatus();
  const r = rows.find((x) => x.name === 'tensorflow');
  assert.equal(r.available, false);
  // What this install holds decides the reason: danfojs-node's override aliases plain tfjs under the
  // native package's name, and npm skips the real package's download here.
  let installed;
  try {
    installed = require('@tensorflow/tfjs-node/package.json').name;
  } catch {
    installed = undefined;
  }
  if (installed === '@tensorflow/tfjs') assert.match(r.reason, /resolves to @tensorflow\/tfjs \(an npm alias\)/);
  else assert.match(r.reason, /@tensorflow\/tfjs-node is not installed/);
});

test('wasm absent too: cpu, with the reason', async () => {
  withPackages({ absent: [...NATIVE, '@tensorflow/tfjs-backend-wasm'] });
  try {
    assert.equal(await backend.selectBackend(), 'cpu');
    const rows = await backend.backendStatus();
    assert.match(rows.find((x) => x.name === 'wasm').reason, /did not load/);
  } finally {
    backend.loader.require = real;
  }
});

test('AMALGAM_BACKEND / a preferred backend: cpu when asked; an unavailable preference falls through in order', async () => {
  withPackages({ absent: NATIVE });
  try {
    assert.equal(await backend.selectBackend('cpu'), 'cpu');
    backend.resetBackendProbes();
    assert.equal(await backend.selectBackend('tensorflow'), 'wasm');
    backend.resetBackendProbes();
    process.env.AMALGAM_BACKEND = 'cpu';
    assert.equal(await backend.selectBackend(), 'cpu');
    delete process.env.AMALGAM_BACKEND;
    await assert.rejects(
      backend.useBackend('tensorflow-gpu'),
      /unavailable: @tensorflow\/tfjs-node-gpu is not installed/,
    );
    backend.resetBackendProbes();
    await assert.rejects(backend.selectBackend('tpu'), /unknown backend "tpu"/);
  } finally {
    backend.loader.require = real;
    delete process.env.AMALGAM_BACKEND;
  }
});

test('%backend reports the wasm thread count', async () => {
  backend.loader.require = real;
  backend.resetBackendProbes();
  await backend.useBackend('wasm');
  await import('../../dist/kernel/magics/ml.js');
  const { getMagic, parseMagicArgs } = await import('../../dist/lib/magics/magic.js');
  const magic = getMagic('line', 'backend');
  const shown = await magic.run({ line: '', ...parseMagicArgs(magic, '') });
  const bundle = shown[Symbol.for('Jupyter.display')]();
  const threads = backend.wasmThreads();
  assert.ok(threads >= 1);
  assert.match(
    bundle['text/plain'],
    new RegExp(`^wasm +active +${threads} +WebAssembly`, 'm'),
    'the active backend says active',
  );
  assert.match(bundle['text/html'], /<th>threads<\/th>/);
});

test("importing amalgam leaves tfjs's own backend choice alone (wasm is loaded, never picked by itself)", () => {
  const script = `
    const tf = require('@tensorflow/tfjs');
    require(${JSON.stringify(path.join(ROOT, 'dist', 'lib', 'index.js'))});
    const first = tf.tensor([1, 2, 3]).sum().dataSync()[0];   // no await tf.ready(): as plain tfjs allows
    const auto = tf.getBackend();
    tf.setBackend('wasm').then((ok) => console.log(JSON.stringify({ first, auto, ok, now: tf.getBackend() })));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()), { first: 6, auto: 'cpu', ok: true, now: 'wasm' });
});
