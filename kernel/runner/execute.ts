import { selectBackend } from '../../lib/backend';
import type { MimeBundle } from '../../lib/display/bundle';
import { setDisplaySink } from '../../lib/display/output';
import { toMimeBundle } from '../../lib/display/mime';
import { runCell } from '../cell';
import { BackgroundErrors, terminateOnSignals } from '../cli/background';
import { Watchdog } from '../cli/watchdog';
import { CellError, headline } from '../executor/errors';
import { Executor } from '../executor/executor';
import '../magics/index';
import { type Cell, type Notebook, newCellId } from './notebook';
import { parameterSource } from './parameters';

/** nbformat 4 outputs, as Jupyter would have stored them. */
type Output = Record<string, any>;

export interface RunNotebookOptions {
  /** Values for the cell tagged `parameters` (papermill's convention): a cell assigning them is inserted after it. */
  parameters?: Record<string, unknown>;
  allowErrors?: boolean;
  /** Per cell, in seconds. */
  timeout?: number;
  /** Read Ctrl-C from the terminal (stdin in raw mode): it stops the run, even in a busy loop. */
  terminal?: boolean;
  /** Called as each code cell starts (index among all cells). */
  onCell?: (index: number, count: number) => void;
  /** Warnings (a parameter the parameters cell does not declare, say). */
  warn?: (text: string) => void;
}

export interface RunNotebookResult {
  notebook: Notebook;
  errors: { cell: number; ename: string; evalue: string }[];
  /** Stopped by Ctrl-C (the cells after the interrupted one did not run). */
  interrupted: boolean;
}

const source = (cell: Cell): string => (Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? ''));

/** nbformat's shape for a bundle: text as strings, JSON types as JSON. */
function toData(bundle: MimeBundle): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(bundle)) {
    if (value === undefined) continue;
    out[mime] = /^application\/(.*\+)?json$/.test(mime) || typeof value === 'string' ? value : String(value);
  }
  return out;
}

/** The timeout, worded as the error of the cell it stopped (not as a user's Ctrl-C). */
const timeoutError = (name: string, seconds: number) =>
  new CellError('TimeoutError', `timed out after ${seconds} s`, [
    headline('TimeoutError', `${name} timed out after ${seconds} s (--timeout ${seconds})`),
  ]);

/**
 * Executes a notebook in this process, without Jupyter or Python: the same executor and magics as
 * the kernel, outputs recorded in nbformat so the result opens in Jupyter. Cells run with the
 * notebook's folder as the working directory when the caller chdirs there first.
 */
export async function runNotebook(notebook: Notebook, options: RunNotebookOptions = {}): Promise<RunNotebookResult> {
  const nb: Notebook = structuredClone(notebook);
  const parameters = options.parameters ?? {};
  let injected: Cell | undefined;
  if (Object.keys(parameters).length) {
    const at = nb.cells.findIndex((c) => (c.metadata?.tags ?? []).includes('parameters'));
    if (at < 0) options.warn?.('no cell is tagged "parameters": the parameters go in a cell at the top');
    injected = {
      id: newCellId(),
      cell_type: 'code',
      metadata: { tags: ['injected-parameters'] },
      source: '',
      outputs: [],
      execution_count: null,
    };
    nb.cells.splice(at + 1, 0, injected);
  }
  // Outputs of earlier runs go: a cell that does not run (after an error) is left empty, as nbclient does.
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.outputs = [];
    cell.execution_count = null;
  }
  const executor = new Executor(process.cwd());
  // The same tfjs backend as the kernel (threaded wasm when no native package loads), ready before the first cell.
  await selectBackend().catch((e) => options.warn?.(`backend: ${(e as Error).message}`));
  // The library's renderers (tables, models), as the kernel loads them at start-up: a cell that
  // shows a table before any `import ... from 'amalgam'` renders it as the kernel would.
  require('../../lib/index');
  terminateOnSignals();
  const watchdog = new Watchdog(!!options.terminal);
  // A late error lands in the cell running when it happens, as stderr (the kernel does the same).
  const background = new BackgroundErrors((text) => capture('stderr')(text));
  let outputs: Output[] = [];
  let clearOnNext = false;
  const pending: Promise<void>[] = [];
  const byId = new Map<string, Output[]>();
  const push = (o: Output) => {
    if (clearOnNext) outputs.length = 0;
    clearOnNext = false;
    outputs.push(o);
  };
  setDisplaySink({
    display: (bundle, o) => {
      // The output takes its place now (order of calls); its data arrives when rendered.
      const out: Output = { output_type: 'display_data', data: {}, metadata: o.metadata ?? {} };
      const targets = o.update && o.id ? (byId.get(o.id) ?? []) : [out];
      if (!(o.update && o.id)) {
        push(out);
        if (o.id) byId.set(o.id, [...(byId.get(o.id) ?? []), out]);
      }
      const done = Promise.resolve(bundle).then(
        (b) => {
          for (const target of targets) target.data = toData(b);
        },
        (e) => {
          out.output_type = 'stream';
          delete out.data;
          delete out.metadata;
          out.name = 'stderr';
          out.text = `display failed: ${(e as Error).message}\n`;
        },
      );
      pending.push(done);
      return done;
    },
    clear: (wait) => {
      if (wait) clearOnNext = true;
      else outputs.length = 0;
    },
  });
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (name: 'stdout' | 'stderr') => (chunk: any) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const last = outputs[outputs.length - 1];
    if (last?.output_type === 'stream' && last.name === name && !clearOnNext) last.text += text;
    else push({ output_type: 'stream', name, text });
    return true;
  };
  const errors: RunNotebookResult['errors'] = [];
  let count = 0;
  let interrupted = false;
  try {
    for (const [index, cell] of nb.cells.entries()) {
      if (cell.cell_type !== 'code') continue;
      if (cell === injected) cell.source = parameterSource(parameters, executor.names(), options.warn);
      outputs = [];
      cell.outputs = outputs;
      cell.execution_count = ++count;
      const name = `In[${count}]`;
      options.onCell?.(index, count);
      (process.stdout as any).write = capture('stdout');
      (process.stderr as any).write = capture('stderr');
      const r = await watchdog.run(
        async () => {
          const result = await runCell(executor, source(cell), name);
          await Promise.allSettled(pending);
          return result;
        },
        options.timeout ? options.timeout * 1000 : undefined,
      );
      await Promise.allSettled(pending.splice(0));
      background.guard();
      terminateOnSignals();
      process.stdout.write = write.stdout;
      process.stderr.write = write.stderr;
      if (r.ok) {
        if (r.value.hasValue && r.value.value !== undefined) {
          let data: Record<string, unknown>;
          try {
            data = toData(await toMimeBundle(r.value.value));
          } catch (e) {
            data = { 'text/plain': `<display failed: ${(e as Error).message}>` };
          }
          push({ output_type: 'execute_result', execution_count: count, data, metadata: {} });
        }
        continue;
      }
      let err = r.error instanceof CellError ? r.error : executor.runtimeError(r.error);
      if (r.stopped === 'timeout' && err.ename === 'KeyboardInterrupt') err = timeoutError(name, options.timeout!);
      push({ output_type: 'error', ename: err.ename, evalue: err.evalue, traceback: err.traceback });
      errors.push({ cell: index, ename: err.ename, evalue: err.evalue });
      // Ctrl-C means stop the run, --allow-errors or not (as papermill does).
      interrupted = r.stopped === 'interrupt';
      if (!options.allowErrors || interrupted) break;
    }
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
    setDisplaySink(undefined);
    background.close();
    await watchdog.close();
  }
  return { notebook: nb, errors, interrupted };
}
