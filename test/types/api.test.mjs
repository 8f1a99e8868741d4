// The typed API: test/types/api.cells.ts and every README example, checked as notebook cells by the
// kernel's own checker against the published .d.ts. A signature that rejects an arquero table, a
// danfo frame or a dataset, or a README example that drifted from the code, fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/kernelspec.mjs';
import { session } from './cells.mjs';

const cells = (text) => text.split(/^\/\/ ---$/m);

test('every public entry point takes the library’s own inputs (api.cells.ts type-checks as cells)', () => {
  const s = session();
  cells(readFileSync(join(ROOT, 'test', 'types', 'api.cells.ts'), 'utf8')).forEach((c, i) =>
    s.check(c, `api cell ${i}`),
  );
  assert.deepEqual(s.problems, []);
});

test('the checker used here reports real type errors (so the test above can fail)', () => {
  const s = session();
  s.check("import { viz } from 'amalgam'", 'import');
  assert.match(s.check("viz.scatter(42, 'a', 'b')", 'bad')[0], /bad line 1, column 13: Argument of type 'number'/);
  assert.match(s.check('%sql --as q select 1', 'flag')[0], /unknown flag --as \(did you mean --out\?\)/);
});

/** README's ```ts blocks, in order, as one notebook. */
function readmeBlocks() {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => ({
    code: m[1],
    line: text.slice(0, m.index).split('\n').length + 1,
  }));
}

test('every README example type-checks as notebook cells, magics included', () => {
  const s = session();
  const blocks = readmeBlocks();
  assert.ok(blocks.length >= 4, `README has ${blocks.length} ts examples`);
  // What README magics bind, as the magics declare it.
  for (const { code, line } of blocks) {
    for (const m of code.matchAll(/^%load (\w+) (\S+)/gm))
      s.declare(
        m[1],
        /\.(csv|tsv|json|parquet|arrow)/.test(m[2])
          ? "import('arquero').ColumnTable"
          : "import('amalgam').data.Dataset",
      );
    for (const m of code.matchAll(/--out (\w+)/g)) s.declare(m[1], "import('arquero').ColumnTable");
    s.check(code, `README.md:${line}`);
  }
  assert.deepEqual(s.problems, []);
});
