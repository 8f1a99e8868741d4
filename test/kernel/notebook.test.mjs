// A notebook mixing magics, type errors, thrown errors, displays and display updates, run by
// Jupyter's own nbclient through the installed kernelspec: every output lands where a user expects it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { errorOf, resultOf, runCells, textOf } from '../helpers/notebook.mjs';

test('a mixed notebook through nbclient', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-nb-'));
  const cells = [
    /* 0 */ 'const base: number = 40\nbase + 2',
    /* 1 */ 'const wrong: string = base',
    /* 2 */ 'base + 1',
    /* 3 */ "throw new TypeError('bad input')",
    /* 4 */ "console.log('out'); console.error('err'); display({ shown: true }); 'value'",
    /* 5 */ '%seed 7\nconst a = Math.random()\n%seed 7\na === Math.random()',
    /* 6 */ '%lsmagic',
    /* 7 */ '%timeit -n 5 -r 2 base * 2',
    /* 8 */ '%%writefile note.txt\nhello from a cell',
    /* 9 */ '%%sh\ncat note.txt',
    /* 10 */ '%%html\n<b>bold</b>',
    /* 11 */ '%%markdown\n# Title',
    /* 12 */ '%whos',
    /* 13 */ '%train?',
    /* 14 */ '%tiem base',
    /* 15 */ "await display('step 0', { id: 'p' })\nawait display('step 1', { id: 'p', update: true })",
    /* 16 */ '%%time\nbase * 3',
    /* 17 */ '%backend',
    /* 18 */ '%memory',
    /* 19 */ '%pwd',
    /* 20 */ 'base',
  ];
  const nb = await runCells([`%cd ${dir}`, ...cells]);
  const c = nb.cells.slice(1);
  assert.equal(textOf(c[0], 'execute_result'), '42');
  assert.equal(errorOf(c[1]).ename, 'TypeScriptError');
  assert.match(errorOf(c[1]).evalue, /line 1, column 7/);
  assert.equal(textOf(c[2], 'execute_result'), '41');
  assert.equal(errorOf(c[3]).ename, 'TypeError');
  assert.equal(errorOf(c[3]).evalue, 'bad input');
  assert.deepEqual(
    c[4].outputs.map((o) => o.output_type + (o.name ? `:${o.name}` : '')),
    ['stream:stdout', 'stream:stderr', 'display_data', 'execute_result'],
  );
  assert.equal(textOf(c[5], 'execute_result'), 'true');
  assert.match(resultOf(c[6]).data['text/markdown'], /%timeit/);
  assert.match(
    textOf(c[7]),
    /^[\d.]+ (ns|µs|ms) ± [\d.]+ (ns|µs|ms) per loop \(mean ± std\. dev\. of 2 runs, 5 loops each\)\n$/,
  );
  assert.equal(readFileSync(join(dir, 'note.txt'), 'utf8'), 'hello from a cell\n');
  assert.equal(textOf(c[9]), 'hello from a cell\n');
  assert.equal(resultOf(c[10]).data['text/html'], '<b>bold</b>');
  assert.equal(resultOf(c[11]).data['text/markdown'], '# Title');
  assert.match(resultOf(c[12]).data['text/html'], /<td>base<\/td><td>number<\/td><td[^>]*>40<\/td>/);
  assert.equal(errorOf(c[13]), undefined);
  assert.match(resultOf(c[13]).data['text/markdown'], /%train MODEL --data NAME \[--epochs N\]/);
  assert.match(resultOf(c[13]).data['text/plain'], /Examples:\n {2}%train fm --data fashion-mnist --epochs 3/);
  assert.equal(errorOf(c[14]).ename, 'UsageError');
  assert.match(errorOf(c[14]).evalue, /%tiem.*Did you mean %time/);
  // nbclient applies update_display_data to the output that has the display id.
  const shown = c[15].outputs.filter((o) => o.output_type === 'display_data');
  assert.equal(shown.length, 1);
  assert.equal(shown[0].data['text/plain'], "'step 1'");
  assert.match(textOf(c[16]), /CPU times: .*\nWall time: /);
  assert.equal(textOf(c[16], 'execute_result'), '120');
  assert.match(resultOf(c[17]).data['text/plain'], /^(wasm|cpu) +active/m);
  assert.match(resultOf(c[18]).data['text/plain'], /tensors/);
  assert.equal(textOf(c[19], 'execute_result'), `'${dir}'`);
  assert.equal(textOf(c[20], 'execute_result'), '40');
  // execution counts increase by one per stored cell, errors included
  const counts = nb.cells.map((cell) => cell.execution_count);
  assert.deepEqual(
    counts,
    counts.map((_, i) => i + 1),
  );
});

test('nbclient interrupts a runaway cell and the notebook goes on with its state', async () => {
  const nb = await runCells(
    [
      'let spins = 0',
      'while (true) { spins++ }',
      'spins > 0',
      "await new Promise((r) => setTimeout(r, 60_000)); 'never'",
      "'still alive'",
    ],
    { timeout: 6, interruptOnTimeout: true },
  );
  const [, loop, after, sleeping, last] = nb.cells;
  assert.equal(errorOf(loop).ename, 'KeyboardInterrupt');
  assert.equal(textOf(after, 'execute_result'), 'true');
  assert.equal(errorOf(sleeping).ename, 'KeyboardInterrupt');
  assert.equal(textOf(last, 'execute_result'), "'still alive'");
});
