// The registry against the Versionable interface alone: a small fake amalgamation built from a
// plain tf.model (dense bottom, four representations, dense heads), independent of lib/model.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import tf from '@tensorflow/tfjs';
import { save, load, versions, diff, exportTfjs, openRegistry } from '../../dist/lib/registry/index.js';

await tf.setBackend('cpu');
const REPS = ['latent_high', 'latent_low', 'logits', 'probs'];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-registry-fake-'));
const DISPLAY = Symbol.for('Jupyter.display');

/** config: {input, hidden, heads: {name: units}} → a Versionable over one tf.model. */
class Fake {
  constructor(config, seed = 1) {
    this.config = JSON.parse(JSON.stringify(config));
    const init = (s) => tf.initializers.glorotUniform({ seed: seed * 100 + s });
    const input = tf.input({ shape: [config.input] });
    this.groups = { bottom: [], representations: [] };
    const dense = (group, name, units, activation, s) => {
      const l = tf.layers.dense({ units, activation, name, kernelInitializer: init(s) });
      this.groups[group].push(l);
      return l;
    };
    const h = dense('bottom', 'bottom_dense', config.hidden, 'relu', 1).apply(input);
    const high = dense('representations', 'latent_high', 8, 'relu', 2).apply(h);
    const low = dense('representations', 'latent_low', 3, undefined, 3).apply(high);
    const logits = dense('representations', 'logits', 4, undefined, 4).apply(low);
    const probs = tf.layers.softmax({ name: 'probs' }).apply(logits);
    const outs = [high, low, logits, probs];
    Object.entries(config.heads).forEach(([name, units], i) => {
      this.groups[name] = [];
      outs.push(dense(name, name, units, undefined, 10 + i).apply(low));
    });
    this.model = tf.model({ inputs: input, outputs: outs });
    this.representationNames = REPS;
    this.outputNames = [...REPS, ...Object.keys(config.heads)];
  }

  snapshot() {
    return Object.entries(this.groups).map(([name, layers]) => ({
      kind: name === 'bottom' || name === 'representations' ? name : 'head',
      name,
      // what the weights depend on (not how they were initialised)
      architecture: {
        layers: layers.map((l) => {
          const c = l.getConfig();
          return { name: c.name, units: c.units, activation: c.activation };
        }),
      },
      weights: layers.flatMap((l) =>
        l.weights.map((w) => ({
          name: `${l.name}/${w.originalName.split('/').pop()}`,
          shape: [...w.shape],
          dtype: 'float32',
          data: w.read().dataSync().slice(),
        })),
      ),
    }));
  }

  restore(components) {
    for (const c of components) {
      const layers = this.groups[c.name];
      if (!layers) throw new Error(`restore: no component "${c.name}"`);
      const ws = layers.flatMap((l) => l.weights);
      if (ws.length !== c.weights.length) throw new Error(`restore: component "${c.name}" weight count differs`);
      ws.forEach((w, i) => {
        const t = tf.tensor(c.weights[i].data, c.weights[i].shape);
        w.write(t);
        t.dispose();
      });
    }
  }

  predict(x) {
    return this.model.predict(x);
  }
  /** Changes one component's weights, as training would. */
  perturb(component, by = 0.5) {
    for (const l of this.groups[component]) for (const w of l.weights) tf.tidy(() => w.write(w.read().add(by)));
  }
}

let built = 0;
const fromConfig = (config) => {
  built++;
  return new Fake(config, 7);
};
const config = { input: 5, hidden: 6, heads: { cls: 2, reg: 1 } };
const bits = (t) => Buffer.from(t.dataSync().buffer);
const sameWeights = (a, b) =>
  a.model.getWeights().every((w, i) => Buffer.compare(bits(w), bits(b.model.getWeights()[i])) === 0);

test('save → load through fromConfig: identical weights and predictions, metadata, on-disk layout', () => {
  const registry = tmp();
  const m = new Fake(config);
  m.metrics = { cls: { acc: 0.5, loss: 1.2 } };
  m.dataHash = 'ab'.repeat(32);
  const s = save(m, 'fake', { registry, tag: 'v1' });
  assert.match(s.version, /^[0-9a-f]{64}$/);
  assert.equal(s.tag, 'v1');
  assert.equal(m.version, s.version, 'the saved model knows its version');
  assert.deepEqual(
    s.components.map((c) => [c.name, c.reused]),
    [
      ['bottom', false],
      ['representations', false],
      ['cls', false],
      ['reg', false],
    ],
  );
  for (const c of s.components) {
    assert.ok(fs.existsSync(path.join(registry, 'objects', c.hash, 'weights.bin')), c.name);
    assert.ok(fs.existsSync(path.join(registry, 'objects', c.hash, 'component.json')), c.name);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(registry, 'versions', 'fake', `${s.version}.json`), 'utf8'));
  assert.deepEqual(manifest.config, config);
  assert.equal(manifest.metadata.params, m.model.countParams());
  assert.equal(
    manifest.metadata.package,
    JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url))).version,
  );
  assert.deepEqual(manifest.metadata.metrics, m.metrics);
  assert.equal(manifest.metadata.dataHash, m.dataHash);
  assert.ok(!Number.isNaN(Date.parse(manifest.metadata.time)));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(registry, 'tags', 'fake.json'), 'utf8')), {
    latest: s.version,
    v1: s.version,
  });

  const back = load('fake@v1', fromConfig, { registry });
  assert.ok(back instanceof Fake);
  assert.ok(!sameWeights(new Fake(config, 7), m), 'a fresh build differs (so restore is what makes them equal)');
  assert.ok(sameWeights(back, m), 'bit-identical weights');
  const x = tf.randomNormal([4, 5], 0, 1, 'float32', 3);
  const pa = m.predict(x),
    pb = back.predict(x);
  pa.forEach((t, i) => assert.equal(Buffer.compare(bits(t), bits(pb[i])), 0, m.outputNames[i]));
  assert.equal(back.version, s.version);
  assert.deepEqual(back.metrics, m.metrics);
  assert.equal(back.dataHash, m.dataHash);
  tf.dispose([x, ...pa, ...pb]);

  const view = s[DISPLAY]();
  assert.match(view['text/html'], /<table class="dataframe">/);
  assert.match(view['text/plain'], /Saved fake@[0-9a-f]{12} \(tags: latest, v1\)/);
});

test('the same bottom under two names is stored once', () => {
  const registry = tmp();
  const a = new Fake(config, 1);
  const b = new Fake({ input: 5, hidden: 6, heads: { other: 3 } }, 2);
  b.restore(a.snapshot().filter((c) => c.name === 'bottom' || c.name === 'representations'));
  const sa = save(a, 'first', { registry });
  const bottomDir = path.join(registry, 'objects', sa.components[0].hash);
  const before = fs.statSync(path.join(bottomDir, 'weights.bin')).mtimeMs;
  const sb = save(b, 'second', { registry });
  assert.deepEqual(
    sb.components.map((c) => [c.name, c.reused]),
    [
      ['bottom', true],
      ['representations', true],
      ['other', false],
    ],
  );
  assert.equal(sb.components[0].hash, sa.components[0].hash);
  assert.equal(
    fs.readdirSync(path.join(registry, 'objects')).length,
    5,
    'bottom + representations + cls + reg + other',
  );
  assert.equal(fs.statSync(path.join(bottomDir, 'weights.bin')).mtimeMs, before, 'not rewritten');
  // a different bottom is a different object
  a.perturb('bottom');
  const sc = save(a, 'first', { registry });
  assert.notEqual(sc.components[0].hash, sa.components[0].hash);
  assert.equal(sc.components[0].reused, false);
  assert.deepEqual(
    sc.components.slice(1).map((c) => c.reused),
    [true, true, true],
  );
});

test('a tampered weights.bin or manifest is refused naming the file and component; a later save heals the object', () => {
  const registry = tmp();
  const m = new Fake(config);
  const s = save(m, 'fake', { registry });
  const head = s.components.find((c) => c.name === 'cls');
  const file = path.join(registry, 'objects', head.hash, 'weights.bin');
  const original = fs.readFileSync(file);
  const bytes = Buffer.from(original);
  bytes[3] ^= 0x40;
  fs.writeFileSync(file, bytes);
  built = 0;
  assert.throws(
    () => load('fake', fromConfig, { registry }),
    (e) => e.name === 'RegistryError' && e.message.includes('component "cls"') && e.message.includes(file),
  );
  assert.equal(built, 0, 'nothing built from a refused version');
  fs.unlinkSync(file);
  assert.throws(
    () => load('fake', fromConfig, { registry }),
    (e) => e.message.includes(file) && /missing/.test(e.message),
  );
  // saving the intact model again rewrites the damaged object instead of reusing it
  const again = save(m, 'fake', { registry });
  assert.equal(again.components.find((c) => c.name === 'cls').reused, false);
  assert.deepEqual(fs.readFileSync(file), original);
  assert.ok(sameWeights(load('fake', fromConfig, { registry }), m));
  // an edited manifest (here: the config) no longer matches its id
  const manifestFile = path.join(registry, 'versions', 'fake', `${s.version}.json`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.config.hidden = 7;
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  assert.throws(
    () => load('fake', fromConfig, { registry }),
    (e) => e.message.includes(manifestFile) && /does not match its id/.test(e.message),
  );
});

test('tags move, versions are immutable; refs by tag, id prefix, plain name; unchanged re-save is the same version', () => {
  const registry = tmp();
  const m = new Fake(config);
  const v1 = save(m, 'fake', { registry, tag: 'prod' });
  const v1File = path.join(registry, 'versions', 'fake', `${v1.version}.json`);
  const v1Bytes = fs.readFileSync(v1File);
  const v1Weights = m.model.getWeights().map((w) => w.dataSync().slice());

  assert.equal(save(m, 'fake', { registry }).version, v1.version, 'nothing changed: same version');
  assert.equal(versions('fake', { registry }).length, 1);

  m.perturb('cls');
  m.metrics = { cls: { acc: 0.75 } };
  const v2 = save(m, 'fake', { registry, tag: 'prod' });
  assert.notEqual(v2.version, v1.version);
  assert.deepEqual(fs.readFileSync(v1File), v1Bytes, 'v1 manifest unchanged');
  const rows = versions('fake', { registry });
  assert.deepEqual(
    rows.map((r) => [r.id, r.tags]),
    [
      [v2.version, ['latest', 'prod']],
      [v1.version, []],
    ],
    'newest first, both tags moved',
  );
  assert.equal(rows[0].parent, v1.version);
  assert.deepEqual(rows[0].metrics, { cls: { acc: 0.75 } });
  assert.match(rows[DISPLAY]()['text/html'], /<table class="dataframe">.*<th>version<\/th>/s);
  assert.match(rows[DISPLAY]()['text/plain'], /^fake: 2 versions/);

  assert.equal(load('fake@prod', fromConfig, { registry }).version, v2.version);
  assert.equal(load('fake', fromConfig, { registry }).version, v2.version);
  const old = load(`fake@${v1.version.slice(0, 7)}`, fromConfig, { registry });
  assert.equal(old.version, v1.version);
  old.model.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), v1Weights[i]));

  // re-tag the old version: only the tag file changes
  save(old, 'fake', { registry, tag: 'prod' });
  assert.equal(load('fake@prod', fromConfig, { registry }).version, v1.version);
  assert.equal(versions('fake', { registry }).length, 2);

  assert.throws(() => load('fkae', fromConfig, { registry }), /no model "fkae".*did you mean "fake"\?.*models: fake/);
  assert.throws(() => load('fake@nope', fromConfig, { registry }), /no version or tag "nope" of fake \(tags: .*prod/);
  assert.throws(() => load('../fake', fromConfig, { registry }), /model name "\.\.\/fake"/);
  assert.throws(() => save(m, 'a/b', { registry }), /model name "a\/b"/);
  assert.deepEqual(openRegistry(registry).names(), ['fake']);
});

test('diff: a changed head, an added one, config paths and metric deltas', () => {
  const registry = tmp();
  const m = new Fake(config);
  m.metrics = { cls: { acc: 0.5 } };
  save(m, 'fake', { registry, tag: 'a' });
  m.perturb('cls');
  m.metrics = { cls: { acc: 0.8 } };
  save(m, 'fake', { registry, tag: 'b' });
  const d = diff('fake@a', 'fake@b', { registry });
  assert.deepEqual(
    d.components.map((c) => [c.name, c.change]),
    [
      ['bottom', 'same'],
      ['representations', 'same'],
      ['cls', 'changed'],
      ['reg', 'same'],
    ],
  );
  assert.deepEqual(d.config, []);
  assert.equal(d.metrics.length, 1);
  assert.equal(d.metrics[0].head, 'cls');
  assert.ok(Math.abs(d.metrics[0].delta - 0.3) < 1e-9);

  const wider = new Fake({ input: 5, hidden: 6, heads: { cls: 2, extra: 4 } });
  save(wider, 'other', { registry });
  const d2 = diff('fake@a', 'other', { registry });
  const change = Object.fromEntries(d2.components.map((c) => [c.name, c.change]));
  assert.equal(change.extra, 'added');
  assert.equal(change.reg, 'removed');
  assert.deepEqual(
    d2.config.map((c) => [c.path, c.a, c.b]),
    [
      ['heads.reg', 1, undefined],
      ['heads.extra', undefined, 4],
    ],
  );
  const view = d2[DISPLAY]();
  assert.match(view['text/plain'], /heads\.extra/);
  assert.match(view['text/html'], /<td>added<\/td>/);
});

test('exportTfjs: model.json + weights that tf.loadLayersModel reads through a file-reading IOHandler, names in metadata', async () => {
  const m = new Fake(config);
  m.version = 'f'.repeat(64);
  const dir = tmp();
  await exportTfjs(m, dir);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.userDefinedMetadata.amalgam.representations, REPS);
  assert.deepEqual(json.userDefinedMetadata.amalgam.outputs, [...REPS, 'cls', 'reg']);
  assert.equal(json.userDefinedMetadata.amalgam.version, m.version);
  // an IOHandler that reads what model.json says, as tfjs-node's file:// would
  const handler = {
    load: async () => {
      const group = json.weightsManifest[0];
      const data = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        weightSpecs: group.weights,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
  const loaded = await tf.loadLayersModel(handler);
  assert.deepEqual(loaded.getUserDefinedMetadata().amalgam.outputs, m.outputNames);
  const x = tf.randomNormal([3, 5], 0, 1, 'float32', 5);
  const a = m.predict(x),
    b = loaded.predict(x);
  assert.equal(b.length, 6);
  a.forEach((t, i) => assert.deepEqual(b[i].dataSync(), t.dataSync(), m.outputNames[i]));
  tf.dispose([x, ...a, ...b]);
});
