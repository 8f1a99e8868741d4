import { currentSignal } from '../lib/interrupt';
import type { DisplayOptions } from '../lib/display/output';
import { display } from '../lib/display/output';
import { UsageError } from '../lib/magics/args';
import { getMagic, parseMagicArgs, unknownMagicError } from '../lib/magics/registry';
import { CellError, headline } from './executor/errors';
import type { Executor, RunResult } from './executor/executor';
import { splitCell } from './magics/split';
import { helpText } from './magics/help';

/**
 * One cell, start to end: split into code and magics (magic layer), run each part in turn
 * (executor), and hand back the value of the last part for rich display.
 */
export async function runCell(executor: Executor, code: string, name: string): Promise<RunResult> {
  let last: RunResult = { hasValue: false };
  for (const seg of splitCell(code)) {
    if (seg.kind === 'code') {
      last = await executor.run(seg.text, { name, lineOffset: seg.line, signal: currentSignal() });
      continue;
    }
    const magic = getMagic(seg.kind, seg.name);
    if (!magic) throw toCellError(unknownMagicError(seg.kind, seg.name), name, seg.line);
    if (seg.help) {
      last = { hasValue: true, value: helpText(magic) };
      continue;
    }
    try {
      const value = await magic.run({
        name: magic.name,
        line: seg.args,
        body: seg.body,
        args: parseMagicArgs(magic, seg.args),
        session: executor,
        signal: currentSignal(),
        display: (v: unknown, o?: DisplayOptions) => display(v, o),
      });
      last = value === undefined ? { hasValue: false } : { hasValue: true, value };
    } catch (e) {
      throw toCellError(e, name, seg.line, executor);
    }
  }
  return last;
}

function toCellError(e: unknown, name: string, line: number, executor?: Executor): CellError {
  if (e instanceof CellError) return e;
  if (e instanceof UsageError)
    return new CellError('UsageError', e.message, [headline('UsageError', `${name} line ${line + 1}: ${e.message}`)]);
  return executor ? executor.runtimeError(e) : new CellError('Error', String(e), [String(e)]);
}
