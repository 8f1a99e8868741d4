// Versions while serving: a moved tag (by this process or another) switches the server without a
// restart and without failing in-flight requests; a retired version is disposed once its requests
// drain; tf.memory() and RSS stay flat over 50 reloads; canary shares; tag moves locked across processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { openRegistry } from '../../dist/lib/registry/versioning.js';
import { ModelHolder } from '../../dist/lib/serve/holder.js';
import { start } from '../../dist/lib/serve/index.js';
import { digitRows, metric, post, request, ROOT, tempRegistry, tf, trainDigits } from './fixtures.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const registry = tempRegistry('versions');
const store = openRegistry(registry);
let a;
let b;
let image;

before(async () => {
  const first = await trainDigits(registry, { epochs: 1, s: 1 });
  const second = await trainDigits(registry, { epochs: 1, s: 2, tag: 'challenger' });
  first.model.dispose();
  second.model.dispose();
  a = first.version;
  b = second.version;
  store.setTag('digits', 'production', a);
  image = (await digitRows(0, 1)).scaled[0];
});

/** Moves a tag from another process (a retrain or a notebook elsewhere). */
function moveFromAnotherProcess(tag, id) {
  const code = `require(${JSON.stringify(path.join(ROOT, 'dist/lib/registry/versioning.js'))}).openRegistry(${JSON.stringify(registry)}).setTag('digits', ${JSON.stringify(tag)}, ${JSON.stringify(id)})`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: 'inherit' });
    child.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`tag move exited ${c}`))));
  });
}

const until = async (f, what, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('a moved tag switches the server under concurrent load; no request fails', { timeout: 120_000 }, async () => {
  const server = await start({ model: 'digits@production', registry, port: 0, reloadMs: 20 });
  try {
    let running = true;
    const seen = new Map();
    const failures = [];
    let total = 0;
    const worker = async () => {
      while (running) {
        const r = await post(`${server.url}/v1/models/digits:predict`, { instances: [image], outputs: ['latent_low'] });
        total++;
        if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
        const v = r.headers.get('x-model-version');
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
    };
    const load = Array.from({ length: 16 }, worker);
    for (let i = 0; i < 10; i++) {
      const to = i % 2 === 0 ? b : a;
      if (i % 4 === 1) await moveFromAnotherProcess('production', to);
      else store.setTag('digits', 'production', to);
      await until(() => server.holder('digits').defaultVersion.id === to, `switch ${i}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    running = false;
    await Promise.all(load);
    assert.deepEqual(failures, []);
    assert.ok(total > 100, `${total} requests during the moves`);
    assert.deepEqual([...seen.keys()].sort(), [a, b].sort(), 'both versions answered');
    await until(() => server.holder('digits').versions.length === 1, 'the retired version to go');
    assert.equal(server.holder('digits').versions[0].id, a);
  } finally {
    await server.close();
  }
});

test('a retired version is disposed only once its in-flight requests drain', async () => {
  store.setTag('digits', 'production', a);
  const before = tf.memory().numTensors;
  const holder = new ModelHolder(store, 'digits', 'production');
  const perModel = tf.memory().numTensors - before;
  const lease = holder.acquire(); // a request in flight on a
  store.setTag('digits', 'production', b);
  holder.refresh();
  assert.equal(holder.defaultVersion.id, b, 'new requests go to b');
  assert.equal(lease.version.disposed, false, 'a stays while its request runs');
  const x = tf.zeros([1, 8, 8, 1]);
  const out = lease.version.model.predict(x, { outputs: ['probs'] });
  assert.deepEqual(out.probs.shape, [1, 10]);
  tf.dispose([x, out.probs]);
  assert.equal(tf.memory().numTensors - before, 2 * perModel, 'both versions loaded');
  lease.release();
  assert.equal(lease.version.disposed, true, 'a is disposed when its last request ends');
  assert.equal(tf.memory().numTensors - before, perModel, "a's tensors are freed");
  holder.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('tf.memory() and RSS stay flat over 50 reloads', { timeout: 180_000 }, async () => {
  store.setTag('digits', 'production', a);
  const server = await start({ model: 'digits@production', registry, port: 0, reloadMs: 10 });
  try {
    const flip = async (i) => {
      const to = i % 2 === 0 ? b : a;
      store.setTag('digits', 'production', to);
      await until(() => server.holder('digits').defaultVersion.id === to, `reload ${i}`);
      const r = await post(`${server.url}/v1/models/digits:predict`, { instances: [image] });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-model-version'), to);
    };
    for (let i = 0; i < 6; i++) await flip(i); // warm-up: pools, JIT, wasm heap growth
    gc();
    const before = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, rss: process.memoryUsage().rss };
    for (let i = 0; i < 50; i++) await flip(i);
    gc();
    const afterReloads = {
      tensors: tf.memory().numTensors,
      bytes: tf.memory().numBytes,
      rss: process.memoryUsage().rss,
    };
    assert.equal(afterReloads.tensors, before.tensors, 'tensors');
    assert.equal(afterReloads.bytes, before.bytes, 'tensor bytes');
    const growth = (afterReloads.rss - before.rss) / 2 ** 20;
    assert.ok(growth < 25, `RSS grew ${growth.toFixed(1)} MiB over 50 reloads`);
    const status = await request(`${server.url}/v1/models/digits`);
    assert.equal(status.json.model_version_status.length, 1, 'only the current version is held');
  } finally {
    await server.close();
  }
});

test('--canary TAG=PERCENT sends that share of unpinned traffic to the tag (±5% over 2,000 requests)', {
  timeout: 120_000,
}, async () => {
  store.setTag('digits', 'production', a);
  store.setTag('digits', 'challenger', b);
  const server = await start({ model: 'digits@production', registry, port: 0, canary: 'challenger=20' });
  try {
    const counts = { [a]: 0, [b]: 0 };
    let sent = 0;
    const worker = async () => {
      while (sent < 2000) {
        sent++;
        const r = await post(`${server.url}/v2/models/digits/infer`, {
          inputs: [{ name: 'input', shape: [1, 64], datatype: 'FP32', data: image }],
          outputs: [{ name: 'probs' }],
        });
        assert.equal(r.status, 200);
        counts[r.json.model_version]++;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const share = counts[b] / (counts[a] + counts[b]);
    assert.equal(counts[a] + counts[b], 2000);
    assert.ok(Math.abs(share - 0.2) <= 0.05, `canary share ${share}`);
    for (let i = 0; i < 50; i++) {
      const pinned = await post(`${server.url}/v1/models/digits/labels/production:predict`, { instances: [image] });
      assert.equal(pinned.headers.get('x-model-version'), a, 'a label pins the version: no canary');
    }
    await assert.rejects(start({ model: 'digits', registry, canary: 'challenger=120' }), /between 0 and 100/);
  } finally {
    await server.close();
  }
});

test('tag moves are atomic and locked across processes: concurrent movers lose no tag', {
  timeout: 120_000,
}, async () => {
  // The movers start together (a shared start time) so their read-modify-writes overlap.
  const startAt = Date.now() + 2000;
  const code = (p) => `
    const { openRegistry } = require(${JSON.stringify(path.join(ROOT, 'dist/lib/registry/versioning.js'))});
    const store = openRegistry(${JSON.stringify(registry)});
    while (Date.now() < ${startAt});
    for (let i = 0; i < 300; i++) store.setTag('digits', 'p${p}_' + (i % 30), i % 2 ? ${JSON.stringify(a)} : ${JSON.stringify(b)});`;
  await Promise.all(
    [0, 1, 2].map(
      (p) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', code(p)], { stdio: 'inherit' });
          child.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`mover ${p} exited ${c}`))));
        }),
    ),
  );
  const tags = store.tags('digits');
  for (const p of [0, 1, 2]) for (let i = 0; i < 30; i++) assert.ok(`p${p}_${i}` in tags, `tag p${p}_${i} was lost`);
  assert.equal(tags.production, a, 'tags no mover touched are kept');
  // Compare-and-set: a promotion only moves the tag if it still points where it did.
  assert.deepEqual(store.moveTag('digits', 'production', b, { expect: b }), { moved: false, was: a });
  assert.deepEqual(store.moveTag('digits', 'production', b, { expect: a }), { moved: true, was: a });
  assert.deepEqual(store.moveTag('digits', 'fresh', a, { expect: null }), { moved: true, was: undefined });
});

test('--worker: predict in a worker thread gives the same outputs, follows tag moves and frees the old version there', {
  timeout: 120_000,
}, async () => {
  store.setTag('digits', 'production', a);
  const inline = await start({ model: 'digits@production', registry, port: 0 });
  const worker = await start({ model: 'digits@production', registry, port: 0, worker: true, reloadMs: 20 });
  try {
    const { scaled } = await digitRows(5, 4);
    const body = { instances: scaled, outputs: ['latent_low', 'digit'] };
    const [x, y] = await Promise.all([
      post(`${inline.url}/v1/models/digits:predict`, body),
      post(`${worker.url}/v1/models/digits:predict`, body),
    ]);
    assert.equal(y.status, 200, y.text);
    assert.deepEqual(y.json, x.json, 'same numbers from the worker');
    const workerTensors = async () =>
      metric((await request(`${worker.url}/metrics`)).text, 'amalgam_worker_tf_tensors');
    const held = await workerTensors();
    assert.ok(held > 0, 'the worker holds the version');
    for (const to of [b, a, b]) {
      store.setTag('digits', 'production', to);
      await until(() => worker.holder('digits').defaultVersion.id === to, 'switch');
      const r = await Promise.all(
        scaled.map((e) => post(`${worker.url}/v1/models/digits:predict`, { instances: [e] })),
      );
      for (const res of r) assert.equal(res.headers.get('x-model-version'), to);
    }
    await until(async () => (await workerTensors()) === held, "the worker freed the old versions' tensors");
    const bad = await post(`${worker.url}/v1/models/digits:predict`, { instances: [[1]] });
    assert.equal(bad.status, 400);
  } finally {
    await Promise.all([inline.close(), worker.close()]);
  }
});
