import type { DisplayOptions } from '../lib/display/output';
import { display } from '../lib/display/output';
import { currentSignal, InterruptedError } from '../lib/interrupt';
import { UsageError } from '../lib/magics/args';
import { getMagic, type Magic, parseMagicArgs, unknownMagicError } from '../lib/magics/magic';
import { AmalgamError } from '../lib/util/errors';
import { CellError, headline } from './executor/errors';
import type { Executor, RunResult } from './executor/executor';
import { helpText } from './magics/help';
import { splitCell } from './magics/split';

/**
 * One cell, start to end: split into code and magics (magic layer), run each part in turn
 * (executor), and hand back the value of the last part for rich display.
 */
export async function runCell(executor: Executor, code: string, name: string): Promise<RunResult> {
  let last: RunResult = { hasValue: false };
  for (const seg of splitCell(code)) {
    if (seg.kind === 'code') {
      last = await executor.run(seg.text, { name, lineOffset: seg.line, signal: currentSignal() });
      // A cell ending in a promise (`display(...)`, `fetch(...)`) shows what it resolves to, as an
      // awaited cell would, not "Promise { <pending> }".
      if (last.hasValue && isThenable(last.value))
        last = { hasValue: true, value: await settled(last.value, name, seg.line, executor) };
      continue;
    }
    const magic = getMagic(seg.kind, seg.name);
    if (!magic) throw toCellError(unknownMagicError(seg.kind, seg.name), name, seg.line, executor);
    if (seg.help) {
      last = { hasValue: true, value: helpText(magic) };
      continue;
    }
    try {
      const value = await magic.run({
        name: magic.name,
        line: seg.args,
        body: seg.body,
        ...parseMagicArgs(magic, seg.args),
        session: executor,
        signal: currentSignal(),
        display: (v: unknown, o?: DisplayOptions) => display(v, o),
      });
      last = value === undefined ? { hasValue: false } : { hasValue: true, value };
    } catch (e) {
      throw toCellError(e, name, seg.line, executor, magic);
    }
  }
  return last;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v != null && (typeof v === 'object' || typeof v === 'function') && typeof (v as any).then === 'function';

/** The promise's value, stopped by an interrupt; a rejection is the cell's error. */
function settled(value: PromiseLike<unknown>, cell: string, line: number, executor: Executor): Promise<unknown> {
  const signal = currentSignal();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(value)
      .then(resolve, (e) => reject(toCellError(e, cell, line, executor)))
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The library's own errors (bad input: a usage, data, model or registry error) are one line naming
 * the cell's line and the magic; anything else is a bug and keeps its stack, and an interrupt stays
 * a KeyboardInterrupt.
 */
function toCellError(e: unknown, cell: string, line: number, executor: Executor, magic?: Magic): CellError {
  if (e instanceof CellError) return e;
  if (e instanceof AmalgamError) {
    const message = e instanceof UsageError || !magic ? e.message : `%${magic.name}: ${e.message}`;
    return new CellError(e.name, message, [headline(e.name, `${cell} line ${line + 1}: ${message}`)]);
  }
  return executor.runtimeError(e);
}
