import * as readline from 'node:readline';
import { setDisplaySink } from '../../lib/display/output';
import { toMimeBundle } from '../../lib/display/registry';
import { setCurrentSignal } from '../../lib/interrupt';
import { runCell } from '../cell';
import { CellError } from '../executor/errors';
import { Executor } from '../executor/executor';
import { selectBackend } from '../../lib/backend';
import { isComplete } from '../executor/introspection';
import '../magics/index';

/** The terminal REPL: the same executor and magics as the kernel, text/plain output. */
export async function startRepl(): Promise<void> {
  const executor = new Executor(process.cwd());
  // The same tfjs backend as the kernel (threaded wasm when no native package loads), ready before the first cell.
  await selectBackend().catch((e) => console.error(`backend: ${(e as Error).message}`));
  setDisplaySink({ display: async (b) => console.log(String((await b)['text/plain'] ?? '')), clear: () => {} });
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  let count = 0;
  let buffer = '';
  let abort = new AbortController();
  rl.on('SIGINT', () => {
    if (buffer) {
      buffer = '';
      rl.setPrompt(`In [${count + 1}]: `);
      rl.prompt();
    } else abort.abort();
  });
  rl.setPrompt(`In [${count + 1}]: `);
  rl.prompt();
  for await (const line of rl) {
    buffer += (buffer ? '\n' : '') + line;
    const state = isComplete(buffer);
    if (state.status === 'incomplete') {
      rl.setPrompt('   ...: ' + (state.indent ?? ''));
      rl.prompt();
      continue;
    }
    const code = buffer;
    buffer = '';
    if (code.trim()) {
      count++;
      abort = new AbortController();
      setCurrentSignal(abort.signal);
      try {
        const r = await runCell(executor, code, `In[${count}]`);
        if (r.hasValue && r.value !== undefined)
          console.log(`Out[${count}]: ${String((await toMimeBundle(r.value))['text/plain'])}`);
      } catch (e) {
        const err = e instanceof CellError ? e : executor.runtimeError(e);
        console.error(err.traceback.join('\n'));
      }
    }
    rl.setPrompt(`In [${count + 1}]: `);
    rl.prompt();
  }
}
