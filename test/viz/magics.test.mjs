// %plot and %latent through the magic registry, with a stand-in session (the kernel test runs them for real).
import test from 'node:test';
import assert from 'node:assert/strict';
import '../../dist/kernel/magics/viz.js';
import { getMagic, parseMagicArgs } from '../../dist/lib/magics/magic.js';
import { seed } from '../../dist/lib/random.js';
import { assertValidSpec } from './helpers.mjs';
import { tinyDataset, tinyModel } from './fixtures.mjs';

function run(name, line, vars) {
  const magic = getMagic('line', name);
  const session = {
    get: (n) => vars[n],
    has: (n) => n in vars,
    set: (n, v) => {
      vars[n] = v;
    },
    delete: (n) => delete vars[n],
    names: () => Object.keys(vars).map((n) => ({ name: n, type: 'any' })),
    execute: async () => undefined,
    reset() {},
  };
  return magic.run({
    name,
    line,
    body: '',
    ...parseMagicArgs(magic, line),
    session,
    display: async () => {},
    signal: new AbortController().signal,
  });
}

test('%plot: scatter, histogram, kinds, errors', async () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ a: i, b: i * i, g: i % 3 ? 'x' : 'y' }));
  const vars = { t: rows, ds: { table: rows } };
  const s = run('plot', 't a b --color g', vars);
  assertValidSpec(s);
  assert.equal(s.mark.type, 'point');
  assert.equal(run('plot', 't a', vars).mark.type, 'bar');
  assert.equal(run('plot', 'ds a b --kind line', vars).mark.type, 'line');
  assert.throws(
    () => run('plot', 't a b --kind pie', vars),
    /--kind expects one of scatter, line, bar, histogram, heatmap/,
  );
  assert.throws(() => run('plot', 'nope a b', vars), /%plot: no table nope in this session; defined: t$/);
  assert.throws(() => run('plot', 't a b --colour g', vars), /unknown flag --colour \(did you mean --color\?\)/);
  assert.throws(() => run('plot', 't a zz', vars), /^VizError: scatter: no column "zz"; columns are a, b, g/);
  assert.match(getMagic('line', 'plot').help, /^%plot TABLE X \[Y\]/);
});

test('%latent: session dataset, --rep all, options checked', async () => {
  const vars = { fm: tinyModel(), fashion: tinyDataset(300) };
  seed(1);
  const spec = await run('latent', 'fm --data fashion --rep all --n 60 --color pred', vars);
  assertValidSpec(spec);
  assert.equal(spec.concat.length, 4);
  assert.equal(spec.data.values.length, 60);
  assert.equal(spec.concat[0].encoding.color.condition.field, 'pred');
  await assert.rejects(
    async () => run('latent', 'fm --data fashion --rep middle', vars),
    /--rep expects one of latent_high, latent_low, logits, probs, all/,
  );
  await assert.rejects(
    async () => run('latent', 'fm --data fashion --method mds', vars),
    /--method expects one of pca, umap, tsne/,
  );
  await assert.rejects(async () => run('latent', 'fm', vars), /expects --data NAME/);
  await assert.rejects(async () => run('latent', 'fashion --data fashion', vars), /has no predict/);
  await assert.rejects(async () => run('latent', 'fm --data fashion --split nope', vars), /no rows with split "nope"/);
  assert.match(getMagic('line', 'latent').help, /^%latent MODEL --data NAME/);
  vars.fm.net.dispose();
});
