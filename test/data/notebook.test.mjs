// The data magics through the real kernel and Jupyter's nbclient: %load of a shipped dataset,
// %describe (HTML profile + Vega-Lite with PNG), a bad CSV as an error naming file and line, the
// earlier table intact afterwards, %%sql over a session table, and typed use of bound variables.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorOf, resultOf, runCells } from '../helpers/notebook.mjs';

const bad = new URL('./fixtures/bad.csv', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'amalgam-nb-csv-'));
const plainCsv = join(scratch, 'plain.csv');
writeFileSync(plainCsv, 'id,x,name\n1,0.5,a\n2,-1.25,b\n3000000000,2,c\n');
const cells = [
  '%load t iris',
  '%describe t',
  `%load t ${bad}`,
  't.table.numRows() + t.table.columnNames().length',
  '%%sql by_species\nselect species, avg(petal_length) as pl from t group by species order by species',
  'Array.from(by_species.array("pl") as ArrayLike<number>, (v) => v.toFixed(2)).join(" ")',
  `import { data } from 'amalgam'
const parts = data.split(t.table, { stratify: 'species', seed: 1 })
parts.test.numRows()`,
  't',
  // Typed cells: the CSV readers as users call them; integers come out as numbers.
  `const plain = await data.load('${plainCsv}')
const duck = await data.load('${plainCsv}', { reader: 'duckdb' })
JSON.stringify([plain.numRows(), duck.numRows(), plain.get('id', 1), typeof plain.get('id', 1), plain.get('id', 2), plain.get('x', 1), plain.get('name', 0)])`,
];

test('data magics through nbclient: load, describe, bad CSV error, session intact, sql', {
  timeout: 240_000,
}, async () => {
  const nb = await runCells(cells, { timeout: 180 });
  const [load, describe, badLoad, intact, sqlCell, typed, split, show, csv] = nb.cells;

  assert.equal(errorOf(load), undefined, JSON.stringify(load.outputs));
  const loaded = resultOf(load).data;
  assert.match([].concat(loaded['text/plain']).join(''), /^Dataset iris: 150 rows × 5 columns · label species/);
  assert.match([].concat(loaded['text/html']).join(''), /<table/);

  assert.equal(errorOf(describe), undefined, JSON.stringify(describe.outputs));
  const profile = describe.outputs.find((o) => o.output_type === 'display_data');
  assert.match([].concat(profile.data['text/html']).join(''), /sepal_length.*<img src="data:image\/png;base64,/s);
  const chart = resultOf(describe).data;
  assert.ok(chart['application/vnd.vegalite.v5+json'], 'vegalite mime');
  assert.ok([].concat(chart['image/png']).join('').startsWith('iVBORw0KGgo'), 'a PNG of the chart');
  assert.equal(chart['image/svg+xml'], undefined);

  const err = errorOf(badLoad);
  assert.ok(err, 'the bad CSV is an error');
  assert.match(err.evalue, /%load: .*bad\.csv line 3: 4 fields, expected 2/);

  assert.equal(errorOf(intact), undefined, JSON.stringify(intact.outputs));
  assert.equal([].concat(resultOf(intact).data['text/plain']).join(''), '155');

  assert.equal(errorOf(sqlCell), undefined, JSON.stringify(sqlCell.outputs));
  assert.match([].concat(resultOf(sqlCell).data['text/html']).join(''), /3 rows × 2 columns/);
  assert.equal(errorOf(typed), undefined, JSON.stringify(typed.outputs));
  assert.match([].concat(resultOf(typed).data['text/plain']).join(''), /1\.46 4\.26 5\.55/);

  assert.equal(errorOf(split), undefined, JSON.stringify(split.outputs));
  assert.equal([].concat(resultOf(split).data['text/plain']).join(''), '30');
  assert.ok(resultOf(show), 'a Dataset displays');

  assert.equal(errorOf(csv), undefined, JSON.stringify(csv.outputs));
  assert.equal([].concat(resultOf(csv).data['text/plain']).join(''), `'[3,3,2,"number",3000000000,-1.25,"a"]'`);
});
