// The plain CSV reader (lib/data/loaders/plaincsv.ts) against DuckDB's: same names, column types and
// values on every file it accepts, and DuckDB's answer (values or error) on every file it hands back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { readCsv } = require('../../dist/lib/data/loaders/csv.js');
const { columnArray } = require('../../dist/lib/data/table.js');
const { setCurrentSignal } = require('../../dist/lib/interrupt.js');
const data = require('../../dist/lib/index.js').data;
const tmp = mkdtempSync(join(tmpdir(), 'amalgam-csv-'));

let counter = 0;
function file(text, ext = 'csv') {
  const p = join(tmp, `f${++counter}.${ext}`);
  writeFileSync(p, text);
  return p;
}

/** Column names, array types and values (-0 kept apart from 0). */
function dump(table) {
  return table.columnNames().map((c) => {
    const a = columnArray(table, c);
    return [c, a.constructor.name, Array.from(a, (v) => (Object.is(v, -0) ? '-0' : v))];
  });
}

async function bothReaders(path, options = {}) {
  const auto = await readCsv(path, options);
  const duck = await readCsv(path, { ...options, reader: 'duckdb' });
  assert.deepEqual(dump(auto.table), dump(duck.table), path);
  return auto;
}

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test('plain files: the typed-column reader gives exactly what DuckDB gives', async () => {
  const r = rng(7);
  const words = ['alpha', 'beta', 'Gamma', 'delta_x', 'éclair', 'naïve', 'a b c', 'x,y'.replace(',', ';'), 'L12'];
  const lines = ['id,key,x,y,name,maybe,neg'];
  for (let i = 0; i < 3000; i++) {
    const digits = 1 + Math.floor(r() * 12);
    lines.push(
      [
        i,
        Math.floor(r() * 1000) - 500,
        (r() * 2000 - 1000).toFixed(digits % 8),
        (r() * 1e6).toFixed(digits), // up to 18 significant digits: the Number() path
        words[Math.floor(r() * words.length)],
        r() < 0.2 ? (r() < 0.5 ? '' : 'NA') : (r() * 10).toFixed(2),
        i % 7 === 0 ? '-0' : -i,
      ].join(','),
    );
  }
  const got = await bothReaders(file(lines.join('\n') + '\n'));
  assert.equal(got.reader, 'plain');
  const t = got.table;
  assert.equal(t.numRows(), 3000);
  // Integers stay integers (issue 10): int32 arrays, not float64, BigInt or strings; nulls make a plain array.
  assert.ok(columnArray(t, 'id') instanceof Int32Array);
  assert.ok(columnArray(t, 'key') instanceof Int32Array);
  assert.ok(columnArray(t, 'x') instanceof Float64Array);
  assert.equal(columnArray(t, 'maybe')[0] === null || typeof columnArray(t, 'maybe')[0] === 'number', true);
  assert.ok(Array.isArray(columnArray(t, 'maybe')) && columnArray(t, 'maybe').includes(null));
  assert.equal(typeof columnArray(t, 'name')[0], 'string');
});

test('plain reader: CRLF, TSV, no final newline, limit, custom nulls, wide integers', async () => {
  assert.equal((await bothReaders(file('a,b\r\n1,x\r\n2,y\r\n'))).reader, 'plain');
  assert.equal((await bothReaders(file('a\tb\n1\tx y\n-2\tz\n', 'tsv'))).reader, 'plain');
  assert.equal((await bothReaders(file('a,b\n1,2.5\n3,4'))).reader, 'plain');
  const limited = await bothReaders(file('a,b\n1,x\n2,y\n3,z\n'), { limit: 2 });
  assert.equal(limited.table.numRows(), 2);
  assert.equal((await bothReaders(file('a,b\n1,-\n-999,y\n3,z\n'), { nulls: ['-', '-999'] })).reader, 'plain');
  const wide = await bothReaders(file('a,b\n1,1\n3000000000,2\n'));
  assert.ok(columnArray(wide.table, 'a') instanceof Float64Array);
  assert.ok(columnArray(wide.table, 'b') instanceof Int32Array);
  assert.deepEqual(Array.from(columnArray(wide.table, 'a')), [1, 3000000000]);
});

test('anything DuckDB reads differently goes to DuckDB, with its values or its error', async () => {
  const cases = [
    'a,b\n007,1\n010,2\n', // leading zeros: text to DuckDB
    'a\n1e5\n2\n',
    'a\ntrue\nfalse\n',
    'a\nyes\nno\n',
    'a,b\n 12,x \n13 ,y\n', // numbers with spaces
    'a\n2020-01-01\n2020-01-02\n',
    'a\n12:30\n13:40\n',
    'a\ninf\n1.5\n',
    'a\n+1\n2\n',
    'a\n.5\n1\n',
    'a\n5.\n1\n',
    'a,b\n,1\n,2\n', // a column of nulls only
    'a\n12345678901234567890\n1\n',
    'a\nJan 5 2020\nFeb 6 2021\n',
    'a,a\n1,2\n',
    'a,\n1,2\n',
    'a,b\n1,2\n\n',
    'name,city\n"smith, jr","New ""York"""\nann,Oslo\n',
    'a\n' + Array.from({ length: 3000 }, (_, i) => i).join('\n') + '\n1.5\n', // a decimal after the sampled rows
  ];
  for (const text of cases) {
    const got = await bothReaders(file(text));
    assert.equal(got.reader, 'duckdb', JSON.stringify(text.slice(0, 30)));
  }
  // A value that contradicts the sampled type: DuckDB's error, naming the line.
  const late = file('a\n' + Array.from({ length: 30000 }, (_, i) => i).join('\n') + '\nabc\n');
  await assert.rejects(readCsv(late), /line 30002: column "a": "abc" is not BIGINT/);
  // Ragged rows: DuckDB's error and skipBad count.
  const ragged = file('a,b\n1,2\n3,4,5\n6,7\n');
  await assert.rejects(data.load(ragged), /line 3: 3 fields, expected 2/);
  assert.equal(data.loadInfo(await data.load(ragged, { skipBad: true })).skipped, 1);
});

test('plain reader stops at an interrupt between blocks', async () => {
  const rows = ['a,b'];
  for (let i = 0; i < 600_000; i++) rows.push(`${i},${i / 4}`);
  const big = file(rows.join('\n') + '\n'); // ~8 MB: more than one 4 MB block
  const controller = new AbortController();
  setCurrentSignal(controller.signal);
  try {
    const pending = readCsv(big);
    controller.abort();
    await assert.rejects(pending, { name: 'KeyboardInterrupt' });
  } finally {
    setCurrentSignal(new AbortController().signal);
  }
  const t = (await readCsv(big)).table;
  assert.equal(t.numRows(), 600_000);
  assert.equal(columnArray(t, 'b')[599_999], 599_999 / 4);
});
