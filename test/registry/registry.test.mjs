import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, ready, digitsConfig, loadDigits, build } from '../model/fixtures.mjs';
import { save, load, versions, diff, exportTfjs, loadExported } from '../../dist/lib/registry/index.js';
import { fit } from '../../dist/lib/train/fit.js';
import { pipeline } from '../../dist/lib/data/transforms/pipeline.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-registry-'));
const same = (a, b) =>
  Object.keys(a).every(
    (k) => Buffer.compare(Buffer.from(a[k].dataSync().buffer), Buffer.from(b[k].dataSync().buffer)) === 0,
  );

test('save → load: identical predictions, verified components, metadata and lineage', async () => {
  const registry = tmp();
  const ds = await loadDigits();
  const m = build(digitsConfig({ recon: { from: 'latent_low', task: 'reconstruct' } }));
  await fit(m, ds, { epochs: 1, live: false, limit: 300 });
  m.pipeline = pipeline([{ type: 'standardize', columns: ['label'] }]);
  const saved = save(m, 'digits', { registry, tag: 'first' });
  assert.equal(saved.version, m.version);
  assert.deepEqual(saved.tags, ['latest', 'first']);
  assert.deepEqual(
    saved.components.map((c) => [c.name, c.reused]),
    [
      ['bottom', false],
      ['latent_high', false],
      ['latent_low', false],
      ['logits', false],
      ['probs', false],
      ['digit', false],
      ['recon', false],
      ['pipeline', false],
    ],
  );
  const back = load('digits@first', { registry });
  assert.deepEqual(
    [back.dataSource.dataset, back.dataSource.options, back.dataSource.split, back.dataSource.rows],
    ['digits', {}, 'train', 300],
    'where the training data came from travels with the version',
  );
  const x = tf.randomUniform([5, 8, 8, 1]);
  const a = m.predict(x),
    b = back.predict(x);
  assert.ok(same(a, b), 'bit-identical outputs');
  assert.equal(back.version, saved.version);
  assert.deepEqual(back.metrics, m.metrics);
  assert.equal(back.dataHash, m.dataHash);
  assert.match(back.dataHash, /^[0-9a-f]{64}$/);
  // a second save of the trained-further model: a new version whose parent is the first
  await fit(back, ds, { epochs: 1, live: false, limit: 300 });
  const second = save(back, 'digits', { registry });
  assert.notEqual(second.version, saved.version);
  const rows = versions('digits', { registry });
  assert.equal(rows.length, 2);
  assert.equal(rows[0].id, second.version, 'newest first');
  assert.equal(rows[0].parent, saved.version);
  assert.deepEqual(rows[0].tags, ['latest']);
  assert.deepEqual(rows[1].tags, ['first'], 'latest moved, first stayed');
  assert.equal(load('digits', { registry }).version, second.version, 'plain name = latest');
  assert.equal(load(`digits@${saved.version.slice(0, 8)}`, { registry }).version, saved.version, 'id prefix');
  // the first version's manifest is untouched (immutable)
  const file = path.join(registry, 'versions', 'digits', `${saved.version}.json`);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).id, saved.version);
  const d = diff('digits@first', 'digits@latest', { registry });
  assert.deepEqual(
    d.components.map((c) => [c.name, c.change]),
    [
      ['bottom', 'changed'],
      ['latent_high', 'changed'],
      ['latent_low', 'changed'],
      ['logits', 'changed'],
      ['probs', 'same'],
      ['digit', 'same'],
      ['recon', 'changed'],
      ['pipeline', 'same'],
    ],
  );
  assert.ok(d.metrics.some((r) => r.head === 'digit' && r.metric === 'acc' && typeof r.delta === 'number'));
  assert.match(d[Symbol.for('Jupyter.display')]()['text/plain'], /digits@[0-9a-f]{12} → digits@[0-9a-f]{12}/);
  tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
});

test('a bottom saved once is reused by another amalgamation without a copy', async () => {
  await ready;
  const registry = tmp();
  const m = build(digitsConfig());
  save(m, 'one', { registry });
  m.freeze('bottom');
  m.addHead('parity', { from: 'latent_low', task: 'classify', units: 2 });
  const other = save(m, 'two', { registry });
  const reused = Object.fromEntries(other.components.map((c) => [c.name, c.reused]));
  assert.deepEqual(reused, {
    bottom: true,
    latent_high: true,
    latent_low: true,
    logits: true,
    probs: true,
    digit: true,
    parity: false,
  });
  assert.equal(
    fs.readdirSync(path.join(registry, 'objects')).length,
    7,
    'seven distinct objects for thirteen components',
  );
});

test('a tampered weights file or component record is refused, naming it; unknown names listed', async () => {
  await ready;
  const registry = tmp();
  const m = build(digitsConfig());
  const s = save(m, 'model', { registry });
  const bottom = s.components.find((c) => c.name === 'bottom').hash;
  const weights = path.join(registry, 'objects', bottom, 'weights.bin');
  const bytes = fs.readFileSync(weights);
  bytes[10] ^= 1;
  fs.writeFileSync(weights, bytes);
  assert.throws(
    () => load('model', { registry }),
    (e) => e.message.includes(`component "bottom": ${weights} does not match its recorded sha256`),
  );
  bytes[10] ^= 1;
  fs.writeFileSync(weights, bytes);
  const restored = load('model', { registry });
  assert.equal(restored.version, s.version, 'the restored file loads again, as the same version');
  const record = path.join(registry, 'objects', bottom, 'component.json');
  const json = JSON.parse(fs.readFileSync(record, 'utf8'));
  json.architecture.bottom.blocks[0].conv.filters = 9;
  fs.writeFileSync(record, JSON.stringify(json));
  assert.throws(
    () => load('model', { registry }),
    new RegExp(`component "bottom": ${record.replace(/[.]/g, '\\.')} does not match the content address`),
  );
  assert.throws(() => load('modle', { registry }), /no model "modle".*did you mean "model"/);
  assert.throws(() => load('model@nope', { registry }), /no version or tag "nope" of model \(tags: latest/);
});

test('export: model.json + weights.bin that tf.loadLayersModel reads, same outputs, names in metadata', async () => {
  await ready;
  const m = build(digitsConfig({ recon: { from: 'latent_low', task: 'reconstruct' } }));
  const dir = tmp();
  const r = await exportTfjs(m, dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.deepEqual(json.userDefinedMetadata.amalgam.representations, ['latent_high', 'latent_low', 'logits', 'probs']);
  assert.deepEqual(json.userDefinedMetadata.amalgam.outputs, [
    'latent_high',
    'latent_low',
    'logits',
    'probs',
    'digit',
    'recon',
  ]);
  const loaded = await loadExported(dir);
  assert.deepEqual(loaded.outputNames.length, 6);
  const x = tf.randomUniform([3, 8, 8, 1]);
  const ours = m.predict(x);
  const theirs = loaded.predict(x);
  m.outputNames.forEach((n, i) =>
    assert.deepEqual(Array.from(theirs[i].dataSync()), Array.from(ours[n].dataSync()), n),
  );
  assert.ok(r.bytes > 0);
  tf.dispose([x, ...theirs, ...Object.values(ours)]);
});
