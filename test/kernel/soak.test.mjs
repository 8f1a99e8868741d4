// 1,000 cells in a real kernel (passing cells, cells that declare names, type errors, thrown errors,
// interrupts): every cell answers as it should, the state holds, and the kernel's memory stays flat.
// Memory is read after a forced full GC (the kernel runs with --expose-gc), once after a warm-up
// (JIT, caches, the first program) and once after the 1,000 cells; the growth must stay under 50 MB
// of RSS (the goal of issue 16) and under 20 MB of JavaScript heap (measured: +3 MB and +5 MB).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KernelClient, resultText } from '../helpers/client.mjs';

const CELLS = 1000;
const WARM_UP = 100;

function cell(i) {
  switch (i % 5) {
    case 0:
      return { code: `total += ${i}`, status: 'ok' };
    case 1:
      return { code: `const bad${i}: string = total`, status: 'error', ename: 'TypeScriptError' };
    case 2:
      return { code: `throw new Error('fail ${i}')`, status: 'error', ename: 'Error' };
    case 3:
      return { code: `const keep${i % 50} = [total, ${i}]; keep${i % 50}[0]`, status: 'ok' };
    default:
      return {
        code: `console.log('waiting ${i}'); await new Promise(() => {})`,
        status: 'error',
        ename: 'KeyboardInterrupt',
      };
  }
}

test('1,000-cell soak: answers, state and flat memory', { timeout: 900_000 }, async () => {
  const k = await KernelClient.start({ env: { NODE_OPTIONS: '--expose-gc' } });
  const memory = async () => {
    // Two full collections a second apart: V8 hands freed pages back to the system in the background.
    for (let i = 0; i < 2; i++) {
      await k.execute('(globalThis as any).gc()', { silent: true, store_history: false });
      await new Promise((r) => setTimeout(r, 1000));
    }
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${k.proc.pid}/status`, 'utf8'))[1]) / 1024;
    const { reply } = await k.execute('', {
      silent: true,
      store_history: false,
      user_expressions: { heap: 'process.memoryUsage().heapUsed / 1048576' },
    });
    return { rss, heap: Number(reply.content.user_expressions.heap.data['text/plain']) };
  };
  const run = async (i) => {
    const { code, status, ename } = cell(i);
    let reply;
    if (ename === 'KeyboardInterrupt') {
      const header = await k.send('shell', 'execute_request', {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
      });
      // Interrupt once the cell runs (its output is there), as a user would.
      await k.waitFor(() =>
        k.iopubMessages.some((m) => m.parent_header.msg_id === header.msg_id && m.header.msg_type === 'stream'),
      );
      await k.request('control', 'interrupt_request', {});
      reply = await k.waitFor(() => k.replies.get(header.msg_id), 30000, `reply of ${code}`);
      await k.outputs(header.msg_id);
    } else reply = (await k.execute(code)).reply;
    assert.equal(reply.content.status, status, `cell ${i}: ${code}: ${reply.content.evalue ?? ''}`);
    if (ename) assert.equal(reply.content.ename, ename, `cell ${i}: ${code}`);
    // The test keeps no history of its own: only the kernel's memory is measured.
    k.iopubMessages.length = 0;
    k.replies.clear();
  };
  try {
    await k.execute("import * as tf from '@tensorflow/tfjs'\nlet total = 0");
    const start = await memory();
    for (let i = 0; i < WARM_UP; i++) await run(i);
    const before = await memory();
    for (let i = WARM_UP; i < WARM_UP + CELLS; i++) await run(i);
    const after = await memory();
    const sum = Array.from({ length: WARM_UP + CELLS }, (_, i) => i)
      .filter((i) => i % 5 === 0)
      .reduce((a, b) => a + b, 0);
    assert.equal(resultText((await k.execute('total')).outputs), String(sum));
    // keep48 was set by the last cell that declared it (1098): [total then, 1098].
    assert.match(resultText((await k.execute('keep48[1]')).outputs), /^1098$/);
    const rssGrowth = after.rss - before.rss;
    const heapGrowth = after.heap - before.heap;
    console.log(
      `RSS ${start.rss.toFixed(0)} (start) -> ${before.rss.toFixed(0)} (after ${WARM_UP} cells) -> ${after.rss.toFixed(0)} MB, ` +
        `heap ${start.heap.toFixed(0)} -> ${before.heap.toFixed(0)} -> ${after.heap.toFixed(0)} MB`,
    );
    assert.ok(rssGrowth < 50, `RSS grew by ${rssGrowth.toFixed(0)} MB over ${CELLS} cells (bound: 50 MB)`);
    assert.ok(heapGrowth < 20, `heap grew by ${heapGrowth.toFixed(1)} MB over ${CELLS} cells (bound: 20 MB)`);
  } finally {
    await k.close();
  }
});
