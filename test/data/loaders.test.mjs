import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const data = require('../../dist/lib/index.js').data;
const aq = require('arquero');
const fx = (name) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'amalgam-data-'));

test('CSV: header, quoting, type inference, nulls', async () => {
  const t = await data.load(fx('people.csv'));
  assert.deepEqual(t.columnNames(), ['name', 'age', 'city']);
  assert.deepEqual(t.objects(), [
    { name: 'ann', age: 31, city: 'Oslo' },
    { name: 'bob', age: null, city: 'Rome' },
    { name: 'smith, jr', age: 45, city: 'New "York"' },
    { name: 'dee', age: null, city: 'Oslo' },
  ]);
  assert.deepEqual(data.loadInfo(t), {
    format: 'csv',
    rows: 4,
    skipped: 0,
    badLines: [],
    file: fx('people.csv'),
  });
});

test('TSV and a custom delimiter', async () => {
  assert.deepEqual((await data.load(fx('small.tsv'))).objects(), [
    { x: 1, y: 'foo' },
    { x: 2, y: null },
  ]);
  const p = join(tmp, 'semi.txt');
  writeFileSync(p, 'a;b\n1;x\n2;y\n');
  assert.deepEqual((await data.load(p, { delimiter: ';' })).objects(), [
    { a: 1, b: 'x' },
    { a: 2, b: 'y' },
  ]);
  const gz = join(tmp, 'g.csv.gz');
  writeFileSync(gz, gzipSync('a,b\n1,2\n'));
  assert.deepEqual((await data.load(gz)).objects(), [{ a: 1, b: 2 }]);
});

test('malformed CSV: error names file, line and field counts; skipBad skips and counts', async () => {
  await assert.rejects(data.load(fx('bad.csv')), (e) => {
    assert.match(e.message, /bad\.csv line 3: 4 fields, expected 2/);
    assert.match(e.message, /2 bad lines/);
    assert.equal(e.details.line, 3);
    return true;
  });
  const t = await data.load(fx('bad.csv'), { skipBad: true });
  assert.deepEqual(t.objects(), [
    { a: 1, b: 2 },
    { a: 7, b: 8 },
  ]);
  assert.deepEqual(data.loadInfo(t).badLines, [3, 5]);
  assert.equal(data.loadInfo(t).skipped, 2);
});

test('missing file and unknown format are clear errors', async () => {
  await assert.rejects(data.load(join(tmp, 'nope.csv')), /file not found: .*nope\.csv/);
  const p = join(tmp, 'x.weird');
  writeFileSync(p, 'x');
  await assert.rejects(data.load(p), /x\.weird: cannot tell the format from the name; pass format/);
});

test('JSON rows and NDJSON with a bad line', async () => {
  assert.deepEqual((await data.load(fx('rows.json'))).objects(), [
    { a: 1, b: 'x' },
    { a: 2.5, b: null },
  ]);
  await assert.rejects(data.load(fx('bad.ndjson')), /bad\.ndjson line 3: .*JSON/);
  const t = await data.load(fx('bad.ndjson'), { skipBad: true });
  assert.deepEqual(t.array('a'), [1, 2, 4]);
  assert.deepEqual(data.loadInfo(t).badLines, [3]);
});

test('Arrow IPC and Parquet round trips (Parquet written by DuckDB, read with hyparquet)', async () => {
  const src = aq.table({ id: [1, 2, 3], name: ['a', 'b', null], x: [0.5, 1.5, 2.5] });
  const arrowPath = join(tmp, 't.arrow');
  writeFileSync(arrowPath, aq.toArrowIPC(src));
  assert.deepEqual((await data.load(arrowPath)).objects(), src.objects());
  const pq = join(tmp, 't.parquet');
  await data.sql(`copy (select * from src) to '${pq}' (format parquet)`, { tables: { src } });
  const back = await data.load(pq);
  assert.deepEqual(back.objects(), src.objects());
  const df = await data.load(pq, { as: 'danfo' });
  assert.deepEqual(df.shape, [3, 3]);
  assert.deepEqual(df.columns, ['id', 'name', 'x']);
});

test('IDX: gzipped and plain, with limit', async () => {
  const bytes = Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
  const plain = join(tmp, 'x-idx3-ubyte');
  writeFileSync(plain, bytes);
  writeFileSync(plain + '.gz', gzipSync(bytes));
  for (const p of [plain, plain + '.gz']) {
    const a = await data.load(p);
    assert.deepEqual(a.shape, [2, 2, 2]);
    assert.deepEqual([...a.data], [1, 2, 3, 4, 5, 6, 7, 8]);
  }
  assert.deepEqual((await data.load(plain, { limit: 1 })).shape, [1, 2, 2]);
  writeFileSync(join(tmp, 'bad-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 9, 1]));
  await assert.rejects(data.load(join(tmp, 'bad-idx1-ubyte')), /truncated IDX file/);
});

test('sql(): session tables, files, aggregates back as arquero with typed columns', async () => {
  const iris = (await data.loadDataset('iris')).table;
  const r = await data.sql(
    'select species, count(*) n, avg(petal_length) pl from iris group by species order by species',
    { tables: { iris } },
  );
  assert.deepEqual(r.array('species'), ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual([...r.array('n')], [50, 50, 50]);
  assert.equal(r.get('pl', 0).toFixed(3), '1.462');
  const f = await data.sql(`select count(*) c, max(age) m from read_csv('${fx('people.csv')}', nullstr=['', 'NA'])`);
  assert.deepEqual(f.objects(), [{ c: 4, m: 45 }]);
  await assert.rejects(data.sql('select * from nowhere_table'), /sql: .*nowhere_table/);
  assert.deepEqual(data.referencedNames('select * from a join b on a.x=b.x, c'), ['a', 'b']);
});

test('danfo <-> arquero interop keeps values and column order', async () => {
  const t = aq.table({ a: [1, 2, 3], b: ['x', 'y', 'z'] });
  const df = data.toDanfo(t);
  assert.deepEqual(df.columns, ['a', 'b']);
  assert.deepEqual(df.values, [
    [1, 'x'],
    [2, 'y'],
    [3, 'z'],
  ]);
  const back = data.fromDanfo(df);
  assert.deepEqual(back.objects(), t.objects());
  // the column arrays are danfo's own column store, not per-row copies
  assert.equal(back.column('a'), df.getColumnData[0]);
});
