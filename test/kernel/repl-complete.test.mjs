// The REPL's Tab: the kernel's complete_request answers, over the whole entry typed so far.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replCompletions } from '../../dist/kernel/cli/repl.js';
import { Executor } from '../../dist/kernel/executor/executor.js';
import { handlers } from '../../dist/kernel/handlers/index.js';

test('Tab gives the same matches as complete_request, with the prefix readline replaces', async () => {
  const executor = new Executor(process.cwd());
  await executor.run('const counter = 41\nconst config = { lr: 0.1, layers: 3 }', { name: 'In[1]' });
  const kernel = (code) =>
    handlers.complete_request({ content: { code, cursor_pos: [...code].length } }, { executor }).content;

  for (const line of ['co', 'config.l', 'Math.fl', '%tim', 'counter.toF']) {
    const reply = kernel(line);
    const [matches, on] = replCompletions(executor, '', line);
    assert.deepEqual(matches, reply.matches, line);
    assert.equal(on, line.slice(reply.cursor_start), line);
    assert.ok(matches.length > 0, line);
  }
  assert.ok(replCompletions(executor, '', 'co')[0].includes('counter'));
  assert.deepEqual(replCompletions(executor, '', 'config.l')[0], ['layers', 'lr']);

  // Earlier lines of the same entry count: a local declared two lines up completes.
  const before = 'function g() {\n  const localThing = 1\n';
  const [inside, on] = replCompletions(executor, before, '  return localT');
  assert.deepEqual(inside, kernel(`${before}  return localT`).matches);
  assert.ok(inside.includes('localThing'));
  assert.equal(on, 'localT');

  // At the start of a line, Tab indents.
  assert.deepEqual(replCompletions(executor, before, '  '), [['    '], '  ']);
});
