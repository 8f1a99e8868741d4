import * as fs from 'node:fs';
import * as path from 'node:path';
import { setDisplaySink } from '../../lib/display/output';
import { toMimeBundle } from '../../lib/display/registry';
import { setCurrentSignal } from '../../lib/interrupt';
import { runCell } from '../cell';
import { CellError } from '../executor/errors';
import { Executor } from '../executor/executor';
import { selectBackend } from '../../lib/backend';
import '../magics/index';

/** nbformat 4 outputs, as Jupyter would have stored them. */
type Output = Record<string, unknown>;

export interface RunNotebookOptions {
  /** Values for the cell tagged `parameters` (papermill's convention): a cell assigning them is inserted after it. */
  parameters?: Record<string, unknown>;
  allowErrors?: boolean;
  /** Per cell, in seconds. */
  timeout?: number;
}

export interface RunNotebookResult {
  notebook: any;
  errors: { cell: number; ename: string; evalue: string }[];
}

const source = (cell: any): string => (Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? ''));

function parametersCell(parameters: Record<string, unknown>): any {
  const lines = Object.entries(parameters).map(([k, v]) => `const ${k} = ${JSON.stringify(v)}`);
  return {
    cell_type: 'code',
    metadata: { tags: ['injected-parameters'] },
    source: lines.join('\n'),
    outputs: [],
    execution_count: null,
  };
}

/**
 * Executes a notebook in this process, without Jupyter or Python: the same executor and magics as
 * the kernel, outputs recorded in nbformat so the result opens in Jupyter.
 */
export async function runNotebook(notebook: any, options: RunNotebookOptions = {}): Promise<RunNotebookResult> {
  const nb = structuredClone(notebook);
  if (options.parameters && Object.keys(options.parameters).length) {
    const at = nb.cells.findIndex((c: any) => (c.metadata?.tags ?? []).includes('parameters'));
    nb.cells.splice(at + 1, 0, parametersCell(options.parameters));
  }
  const executor = new Executor(process.cwd());
  // The same tfjs backend as the kernel (threaded wasm when no native package loads), ready before the first cell.
  await selectBackend().catch((e) => console.error(`backend: ${(e as Error).message}`));
  // The library's renderers (tables, models), as the kernel loads them at start-up: a cell that
  // shows a table before any `import ... from 'amalgam'` renders it as the kernel would.
  require('../../lib/index');
  let outputs: Output[] = [];
  const byId = new Map<string, Output[]>();
  setDisplaySink({
    display: async (pending, o) => {
      // The output takes its place now (order of calls); its data arrives when rendered.
      const out: Output = { output_type: 'display_data', data: {}, metadata: o.metadata ?? {} };
      const targets = o.update && o.id ? (byId.get(o.id) ?? []) : [out];
      if (!(o.update && o.id)) {
        outputs.push(out);
        if (o.id) byId.set(o.id, [...(byId.get(o.id) ?? []), out]);
      }
      const data = await pending;
      for (const target of targets) target.data = data;
    },
    clear: () => {
      outputs.length = 0;
    },
  });
  const write = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
  };
  const capture = (name: 'stdout' | 'stderr') => (chunk: any) => {
    const text = String(chunk);
    const last = outputs[outputs.length - 1];
    if (last?.output_type === 'stream' && last.name === name) last.text += text;
    else outputs.push({ output_type: 'stream', name, text });
    return true;
  };
  const errors: RunNotebookResult['errors'] = [];
  let count = 0;
  try {
    for (const [index, cell] of nb.cells.entries()) {
      if (cell.cell_type !== 'code') continue;
      outputs = [];
      cell.outputs = outputs;
      cell.execution_count = ++count;
      const abort = new AbortController();
      setCurrentSignal(abort.signal);
      const timer = options.timeout ? setTimeout(() => abort.abort(), options.timeout * 1000) : undefined;
      (process.stdout as any).write = capture('stdout');
      (process.stderr as any).write = capture('stderr');
      try {
        const r = await runCell(executor, source(cell), `In[${count}]`);
        if (r.hasValue && r.value !== undefined)
          outputs.push({
            output_type: 'execute_result',
            execution_count: count,
            data: await toMimeBundle(r.value),
            metadata: {},
          });
      } catch (e) {
        const err = e instanceof CellError ? e : executor.runtimeError(e);
        outputs.push({ output_type: 'error', ename: err.ename, evalue: err.evalue, traceback: err.traceback });
        errors.push({ cell: index, ename: err.ename, evalue: err.evalue });
        if (!options.allowErrors) break;
      } finally {
        clearTimeout(timer);
        process.stdout.write = write.stdout as any;
        process.stderr.write = write.stderr as any;
      }
    }
  } finally {
    setDisplaySink(undefined);
  }
  return { notebook: nb, errors };
}

/** `amalgam run NOTEBOOK [-o OUT] [-p name=value ...] [--allow-errors] [--timeout S]` */
export async function runCommand(file: string, out: string | undefined, options: RunNotebookOptions): Promise<number> {
  const notebook = JSON.parse(fs.readFileSync(file, 'utf8'));
  const dir = path.dirname(path.resolve(file));
  const here = process.cwd();
  process.chdir(dir);
  const result = await runNotebook(notebook, options).finally(() => process.chdir(here));
  const target = out ?? file.replace(/\.ipynb$/, '') + '.out.ipynb';
  fs.writeFileSync(target, JSON.stringify(result.notebook, null, 1) + '\n');
  for (const e of result.errors) console.error(`cell ${e.cell}: ${e.ename}: ${e.evalue}`);
  console.log(
    `${file}: ${result.notebook.cells.filter((c: any) => c.cell_type === 'code').length} code cells, ${result.errors.length} error(s) -> ${target}`,
  );
  return result.errors.length && !options.allowErrors ? 1 : 0;
}
