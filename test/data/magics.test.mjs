// %load, %describe, %sql / %%sql through the magic registry with a stand-in session
// (notebook.test.mjs runs them through the real kernel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('../../dist/kernel/magics/data.js');
const { getMagic, parseMagicArgs } = require('../../dist/lib/magics/magic.js');
const { toMimeBundle } = require('../../dist/lib/index.js');
const fx = (name) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function session(vars = {}, types = {}) {
  return {
    vars,
    types,
    get: (n) => vars[n],
    has: (n) => n in vars,
    set: (n, v, t) => {
      vars[n] = v;
      types[n] = t;
    },
    delete: (n) => delete vars[n],
    names: () => Object.keys(vars).map((n) => ({ name: n, type: types[n] ?? 'any' })),
    execute: async () => undefined,
    reset() {},
  };
}
async function run(kind, name, line, s, body = '') {
  const magic = getMagic(kind, name);
  const displayed = [];
  const value = await magic.run({
    name,
    line,
    body,
    ...parseMagicArgs(magic, line),
    session: s,
    display: async (v) => {
      displayed.push(v);
    },
    signal: new AbortController().signal,
  });
  return { value, displayed };
}

test('%load a shipped dataset and a CSV file binds typed variables', async () => {
  const s = session();
  const { value } = await run('line', 'load', 't iris', s);
  assert.equal(s.vars.t.table.numRows(), 150);
  assert.equal(s.types.t, "import('amalgam').data.Dataset");
  assert.equal(value, s.vars.t, 'a dataset shows itself');
  assert.match((await toMimeBundle(value))['text/plain'], /^Dataset iris: 150 rows × 5 columns · label species/);
  await run('line', 'load', `people ${fx('people.csv')}`, s);
  assert.equal(s.types.people, "import('arquero').ColumnTable");
  assert.equal(s.vars.people.numRows(), 4);
  await run('line', 'load', `df ${fx('people.csv')} --as danfo`, s);
  assert.equal(s.types.df, "import('danfojs-node').DataFrame");
  assert.deepEqual(s.vars.df.shape, [4, 3]);
});

test('%load errors name the file, line, dataset names; earlier variables stay', async () => {
  const s = session();
  await run('line', 'load', 't iris', s);
  const before = s.vars.t;
  await assert.rejects(
    run('line', 'load', `t ${fx('bad.csv')}`, s),
    /^DataError: .*bad\.csv line 3: 4 fields, expected 2/,
  );
  await assert.rejects(
    run('line', 'load', 't irs', s),
    /%load: irs is neither a file nor a shipped dataset \(known datasets: iris, digits, fashion-mnist\)/,
  );
  await assert.rejects(run('line', 'load', 't ./missing.csv', s), /%load: file not found: \.\/missing\.csv/);
  await assert.rejects(
    run('line', 'load', 't iris --as pandas', s),
    /--as expects one of arquero, danfo, got "pandas"/,
  );
  await assert.rejects(run('line', 'load', 't iris --limt 5', s), /unknown flag --limt \(did you mean --limit\?\)/);
  assert.equal(s.vars.t, before);
  const { value } = await run('line', 'load', `ok ${fx('bad.csv')} --skip-bad`, s);
  assert.match((await toMimeBundle(value))['text/plain'], /skipped 2 bad lines \(3, 5\)/);
  assert.equal(s.vars.ok.numRows(), 2);
});

test('%describe shows the profile, then returns the chart', async () => {
  const s = session();
  await run('line', 'load', 't iris', s);
  const { value, displayed } = await run('line', 'describe', 't', s);
  assert.equal(displayed.length, 1);
  assert.equal(displayed[0].columns.length, 5);
  assert.equal(value.concat.length, 5);
  await assert.rejects(run('line', 'describe', 'nope', s), /%describe: no table nope in this session; defined: t/);
});

test('%sql and %%sql see session tables; --out and NAME bind results', async () => {
  const s = session();
  await run('line', 'load', 'iris iris', s);
  const { value } = await run(
    'line',
    'sql',
    '--out counts select species, count(*) n from iris group by species order by species',
    s,
  );
  assert.deepEqual(
    value.objects().map((r) => r.n),
    [50, 50, 50],
  );
  assert.equal(s.vars.counts, value);
  await run('cell', 'sql', 'wide', s, 'select * from iris where petal_width > 2.3');
  assert.equal(s.vars.wide.numRows(), 6);
  await assert.rejects(run('line', 'sql', 'select * from iris where nope > 1', s), /^DataError: sql: .*nope/);
  await assert.rejects(
    run('line', 'sql', '--as q select 1 as x', s),
    /%sql: unknown flag --as \(did you mean --out\?\)/,
  );
  await assert.rejects(
    run('line', 'sql', 'select * from irsi', s),
    /sql: no table irsi \(did you mean iris\?\); tables: iris, counts, wide; files are tables too/,
  );
  const { value: one } = await run('line', 'sql', 'select 1 as x -- a comment', s);
  assert.deepEqual(one.objects(), [{ x: 1 }], 'SQL after the flags is the query, comments and all');
  await run('cell', 'sql', '--out tall', s, 'select * from iris where petal_width < 0.2');
  assert.equal(s.vars.tall.numRows(), 5);
  assert.match(getMagic('cell', 'sql').help, /^%%sql \[NAME\] \[--out NAME\]/);
  assert.match(getMagic('line', 'load').help, /^%load NAME SOURCE/);
});
