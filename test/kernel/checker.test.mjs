// The executor's type-checking: the fast path (a fresh checker over the last program) must report
// exactly what the full LanguageService path reports, and names flow between cells with their types.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Executor } from '../../dist/kernel/executor/executor.js';

const CELLS = [
  'const n: number = 1',
  'n + 1',
  'const s: string = n',
  "let label = 'a'",
  'label = 2',
  "label = 'b'",
  'function twice(x: number) { return x * 2 }',
  'twice("x")',
  'twice(n).toFixed(2)',
  'interface Pt { x: number }',
  'const p: Pt = { x: 1, y: 2 }',
  'const p: Pt = { x: 1 }',
  'p.x.toUpperCase()',
  'undefinedName + 1',
  'const n = "shadow"',
  'n.length',
  'class K { v = 1 }',
  'new K().w',
  'const { a, b } = { a: 1, b: "2" }',
  'a + b.length',
];

async function diagnostics(mode) {
  process.env.AMALGAM_CHECK = mode;
  const ex = new Executor(mkdtempSync(join(tmpdir(), 'amalgam-check-')));
  const out = [];
  let i = 0;
  for (const code of CELLS) {
    try {
      await ex.run(code, { name: `In[${++i}]` });
      out.push('ok');
    } catch (e) {
      out.push(`${e.ename}: ${e.evalue}`);
    }
    await new Promise((r) => setImmediate(r));
  }
  delete process.env.AMALGAM_CHECK;
  return out;
}

test('fast-path checks report exactly what full checks report', async () => {
  const full = await diagnostics('full');
  const fast = await diagnostics('fast');
  assert.deepEqual(fast, full);
  assert.equal(full.filter((d) => d !== 'ok').length, 7, full.join('\n'));
  assert.match(
    full[7],
    /Argument of type 'string' is not assignable to parameter of type 'number'/,
    'functions keep their signature',
  );
  assert.match(full[10], /'y' does not exist in type 'Pt'/, 'interfaces keep their members');
  assert.match(full[17], /Property 'w' does not exist on type 'K'/, 'classes keep their instance type');
  assert.match(full[2], /line 1, column 7: Type 'number' is not assignable to type 'string'/);
  assert.match(full[4], /Type 'number' is not assignable to type 'string'/);
  assert.equal(full[15], 'ok', 'a redeclared const takes its new type');
});
