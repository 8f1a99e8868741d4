// The terminal REPL: same executor and magics, multi-line input continues until complete.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI } from '../helpers/kernelspec.mjs';

test('amalgam repl runs typed cells, magics and multi-line input', () => {
  const input =
    'const a: number = 2\na * 21\n%timeit -n 3 -r 2 a + 1\nfunction f(x: number) {\n  return x * 2\n}\nf(a)\nconst b: string = a\na\n';
  const r = spawnSync(process.execPath, [CLI, 'repl'], { input, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Out\[2\]: 42/);
  assert.match(r.stdout, /per loop \(mean ± std\. dev\. of 2 runs, 3 loops each\)/);
  assert.match(r.stdout, /Out\[5\]: 4/);
  assert.match(r.stderr, /In\[6\] line 1, column 7: Type 'number' is not assignable to type 'string'/);
  assert.match(r.stdout, /Out\[7\]: 2/);
});
