// 1,000 cells alternating failures and successes: the kernel stays responsive, state intact, and a
// cell's check does not get slower with the number of cells already run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KernelClient, resultText } from '../helpers/client.mjs';

test('1,000-cell soak', { timeout: 600_000 }, async () => {
  const k = await KernelClient.start();
  try {
    await k.execute('let total = 0');
    const early = [],
      late = [];
    for (let i = 0; i < 1000; i++) {
      const kind = i % 4;
      const code =
        kind === 0
          ? `total += ${i}`
          : kind === 1
            ? `const bad${i}: string = total`
            : kind === 2
              ? `throw new Error('fail ${i}')`
              : `const keep${i % 50} = total`;
      const t0 = performance.now();
      const { reply } = await k.execute(code);
      const ms = performance.now() - t0;
      assert.equal(reply.content.status, kind === 1 || kind === 2 ? 'error' : 'ok', `cell ${i}: ${code}`);
      if (kind === 0) (i < 200 ? early : i >= 800 ? late : []).push(ms);
    }
    const expected = Array.from({ length: 250 }, (_, j) => j * 4).reduce((a, b) => a + b, 0);
    assert.equal(resultText((await k.execute('total')).outputs), String(expected));
    assert.equal(resultText((await k.execute('keep49')).outputs), String(expected)); // set by cell 999, after the last update (cell 996)
    const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
    // Generous bound: catches growth with history (what the design prevents), not machine noise.
    assert.ok(
      median(late) < median(early) * 3 + 5,
      `late cells ${median(late).toFixed(1)} ms vs early ${median(early).toFixed(1)} ms`,
    );
  } finally {
    await k.close();
  }
});
