// The executor's type-checking. The fast path (a checker kept warm across cells over the last program
// plus the snapshots written since, with a fresh checker for cells that have errors) must report
// exactly what the full path (a program build per cell) reports, on cells sent back to back, and it
// must be the path that ran: every cell says how it was checked.
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Executor } from '../../dist/kernel/executor/executor.js';

// [cell, how the fast path checks it]: `warm` (clean, for the checker kept warm), `fresh` (errors: a
// fresh checker gives the messages), `full` (a program build: the first cell, a new import), `syntax`.
const CELLS = [
  ['const n: number = 1', 'full'],
  ['n + 1', 'warm'],
  ['const s: string = n', 'fresh'],
  ["let label = 'a'", 'warm'],
  ['label = 2', 'fresh'],
  ["label = 'b'", 'warm'],
  ['function twice(x: number) { return x * 2 }', 'warm'],
  ['twice("x")', 'fresh'],
  ['twicee(1)', 'fresh'],
  ['twice = (x: number) => x', 'fresh'],
  ['interface Pt { x: number }', 'warm'],
  ['const p: Pt = { x: 1, y: 2 }', 'fresh'],
  ['const p: Pt = { x: 1 }', 'warm'],
  ['p.x.toUpperCase()', 'fresh'],
  ['undefinedName + 1', 'fresh'],
  ['const n = "shadow"', 'warm'],
  ['n.length', 'warm'],
  ['class K { v = 1 }', 'warm'],
  ['new K().w', 'fresh'],
  ['const { a, b } = { a: 1, b: "2" }', 'warm'],
  ['a + b.length', 'warm'],
  ['// @ts-ignore\nconst ignored: string = 1', 'warm'],
  ['// @ts-expect-error\nconst fine: number = 1', 'fresh'],
  ['// @ts-expect-error\nconst expected: string = 1', 'warm'],
  ['// @ts-nocheck\nconst unchecked: string = 1', 'warm'],
  // The elaboration names the first member of the union that fails: the order its types were created.
  ['const u = Math.random() > 2 ? "a" : 1; const v: boolean = u', 'fresh'],
  ['enum Color { Red, Green }', 'warm'],
  ['const c: Color = Color.Blue', 'fresh'],
  ['class Box<T> { constructor(public v: T) {} }', 'warm'],
  ['const bx: Box<string> = new Box(1)', 'fresh'],
  ['type Pair<A> = [A, A]', 'warm'],
  ['const pr: Pair<number> = [1, "x"]', 'fresh'],
  ["import * as path from 'node:path'", 'warm'],
  ['path.join(1)', 'fresh'],
  ["import { join } from 'node:path'", 'warm'],
  ['join(2)', 'fresh'],
  ['join = 1', 'fresh'],
  ['const t = 1 +', 'syntax'],
  ['let q = label; q = 3', 'fresh'],
  ['async function g() { return 1 }; const r: string = await g()', 'fresh'],
  ["import { unknownThing } from 'node:path'", 'fresh'],
  ["import * as vl from 'vega-lite'", 'full'],
  ['const spec: vl.TopLevelSpec = { mark: "bar" }', 'fresh'],
  ["const k2: K = { v: 'x' }", 'fresh'],
  ['const n = 3; n.toFixed(1)', 'warm'],
  ['n.length', 'fresh'],
  ['lable', 'fresh'],
  ['Color.Red.toFixed()', 'warm'],
  ['let bx2: Box<number> = new Box(2); bx2 = new Box("s")', 'fresh'],
  // A named import keeps every meaning in later cells: value, type, namespace.
  ["import { data } from 'amalgam'", 'warm'], // amalgam's types are in the program already (the prelude)
  ['let ds: data.Dataset | undefined = undefined; data.isDataset(ds)', 'warm'],
  ['const nope: data.Dataset = 1', 'fresh'],
];

/** Runs the cells through one executor; each cell's outcome and the path its check took. */
async function session(mode, cells, { pause = false, dir } = {}) {
  if (mode) process.env.AMALGAM_CHECK = mode;
  const ex = new Executor(dir ?? mkdtempSync(join(tmpdir(), 'amalgam-check-')));
  const check = ex.checker.check.bind(ex.checker);
  const paths = [];
  ex.checker.check = (code) => {
    const r = check(code);
    paths.push(r.path);
    return r;
  };
  const out = [];
  try {
    for (const [i, code] of cells.entries()) {
      try {
        await ex.run(code, { name: `In[${i + 1}]` });
        out.push('ok');
      } catch (e) {
        out.push(`${e.ename}: ${e.evalue}`);
      }
      if (pause) await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    delete process.env.AMALGAM_CHECK;
  }
  return { out, paths, ex };
}

test('fast-path checks report exactly what full checks report, back to back, and the fast path ran', async () => {
  const code = CELLS.map(([c]) => c);
  const full = await session('full', code);
  const fast = await session(undefined, code);
  const paused = await session(undefined, code, { pause: true });
  assert.deepEqual(fast.out, full.out);
  assert.deepEqual(paused.out, full.out);
  const expected = CELLS.map(([, path]) => path);
  assert.deepEqual(fast.paths, expected, 'the path each cell took, back to back');
  assert.deepEqual(paused.paths, expected, 'the same with a pause after every cell');
  assert.deepEqual(
    full.paths,
    expected.map((p) => (p === 'syntax' ? 'syntax' : 'full')),
  );

  const at = (c) => full.out[code.indexOf(c)];
  assert.equal(full.out.filter((d) => d !== 'ok').length, 27, full.out.join('\n'));
  assert.match(at('const s: string = n'), /line 1, column 7: Type 'number' is not assignable to type 'string'/);
  assert.match(at('label = 2'), /Type 'number' is not assignable to type 'string'/, 'a let keeps its type');
  assert.match(at('twice("x")'), /Argument of type 'string' is not assignable to parameter of type 'number'/);
  assert.match(at('twicee(1)'), /Cannot find name 'twicee'. Did you mean 'twice'\?/, 'earlier names are suggested');
  assert.match(at('twice = (x: number) => x'), /Cannot assign to 'twice' because it is a constant/);
  assert.match(at('const p: Pt = { x: 1, y: 2 }'), /'y' does not exist in type 'Pt'/, 'interfaces keep their members');
  assert.match(at('new K().w'), /Property 'w' does not exist on type 'K'/, 'classes keep their instance type');
  assert.equal(at('n.length'), 'ok', 'a redeclared const takes its new type');
  assert.equal(at('// @ts-ignore\nconst ignored: string = 1'), 'ok');
  assert.match(at('// @ts-expect-error\nconst fine: number = 1'), /Unused '@ts-expect-error' directive/);
  assert.equal(at('// @ts-nocheck\nconst unchecked: string = 1'), 'ok');
  assert.match(at('const bx: Box<string> = new Box(1)'), /'Box<number>' is not assignable to type 'Box<string>'/);
  assert.match(at('join(2)'), /Argument of type 'number' is not assignable to parameter of type 'string'/);
  assert.match(at('join = 1'), /Cannot assign to 'join' because it is an import/);
  assert.match(at('const nope: data.Dataset = 1'), /Type 'number' is not assignable to type 'Dataset'/);
  assert.match(at("import { unknownThing } from 'node:path'"), /has no exported member 'unknownThing'/);
  assert.match(at('const spec: vl.TopLevelSpec = { mark: "bar" }'), /TypeScriptError/, 'types of a new import');
  assert.match(at('const t = 1 +'), /line 1, column 14: Expression expected/);
});

test('declaring cells back to back never wait for a program build', async () => {
  const mix = [
    'const t = 1; t',
    'let k = 2',
    'function f(a: number) { return a * 2 }; f(3)',
    "const s = 'x'; s",
    '1+1',
  ];
  const cells = ["import * as path from 'node:path'", ...Array.from({ length: 30 }, (_, i) => mix[i % mix.length])];
  const { out, paths } = await session(undefined, cells);
  assert.ok(
    out.every((o) => o === 'ok'),
    out.join('\n'),
  );
  assert.deepEqual(paths, ['full', ...Array(30).fill('warm')]);
});

test('a local module edited on disk is checked against its new text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-check-local-'));
  writeFileSync(join(dir, 'util.ts'), 'export const u: number = 1;\n');
  const { ex } = await session(undefined, ["import { u } from './util'", 'const a: number = u'], { dir });
  writeFileSync(join(dir, 'util.ts'), "export const u: string = 'x';\n");
  utimesSync(join(dir, 'util.ts'), new Date(), new Date(Date.now() + 5000));
  const r = ex.checker.check('const b: number = u');
  assert.equal(r.path, 'full', 'the fast path does not stand in for a program whose files changed');
  assert.match(r.diagnostics[0]?.message ?? '', /Type 'string' is not assignable to type 'number'/);
});

test('snapshots no live name reaches are dropped', async () => {
  const cells = Array.from({ length: 60 }, (_, i) => `const keep${i % 3} = ${i}`);
  const { ex } = await session(undefined, [...cells, 'keep0 + keep1 + keep2']);
  ex.checker.typeText('keep0'); // builds the language service's program for the current names
  const snapshots = ex.checker.service
    .getProgram()
    .getSourceFiles()
    .filter((f) => f.fileName.includes('__amalgam_snapshot_'));
  assert.equal(snapshots.length, 3, snapshots.map((f) => f.fileName).join('\n'));
  assert.equal(ex.checker.typeText('keep2'), 'keep2: 59');
});
