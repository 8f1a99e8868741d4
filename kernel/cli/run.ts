import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { closest } from '../../lib/util/text';
import { AmalgamError } from '../../lib/util/errors';
import { NotebookError, readNotebook, writeNotebook } from '../runner/notebook';
import { checkParameterName, parseParameterValue } from '../runner/parameters';

/** A command line `amalgam run` cannot act on: exit 2, nothing executed. */
export class UsageError extends AmalgamError {}

export const RUN_USAGE =
  'amalgam run NOTEBOOK [-p NAME VALUE ...] [-o OUT.ipynb] [--html OUT.html] [--timeout S] [--allow-errors]';

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  html: { type: 'string' },
  timeout: { type: 'string' },
  'allow-errors': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RunArgs {
  notebook: string;
  output: string;
  html?: string;
  timeout?: number;
  allowErrors: boolean;
  parameters: Record<string, unknown>;
}

/**
 * Strict parsing: `-p NAME VALUE` (papermill's form; `-p NAME=VALUE` too) are taken out first,
 * since a value may look like a flag (`-p lr -0.5`); the rest goes through util.parseArgs, and an
 * unknown flag is an error naming the closest known one.
 */
export function parseRunArgs(argv: string[]): RunArgs {
  const parameters: Record<string, unknown> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (t !== '-p' && t !== '--parameter') {
      rest.push(t);
      continue;
    }
    const name = argv[i + 1];
    if (name === undefined) throw new UsageError(`${t} expects NAME VALUE`);
    const inline = /^([^=]+)=(.*)$/s.exec(name);
    if (inline) {
      parameters[checkParameterName(inline[1])] = parseParameterValue(inline[2]);
      i += 1;
    } else {
      if (argv[i + 2] === undefined) throw new UsageError(`${t} ${name} expects a VALUE`);
      parameters[checkParameterName(name)] = parseParameterValue(argv[i + 2]);
      i += 2;
    }
  }
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e: any) {
    throw new UsageError(flagProblem(e));
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('help');
  if (positionals.length === 0) throw new UsageError(`no notebook given (usage: ${RUN_USAGE})`);
  if (positionals.length > 1)
    throw new UsageError(
      `one notebook at a time: unexpected ${positionals
        .slice(1)
        .map((p) => `"${p}"`)
        .join(', ')}`,
    );
  const notebook = positionals[0];
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!values.timeout.trim() || !Number.isFinite(timeout) || timeout <= 0)
      throw new UsageError(`--timeout expects a number of seconds > 0, got ${JSON.stringify(values.timeout)}`);
  }
  for (const [flag, file] of [
    ['--output', values.output],
    ['--html', values.html],
  ] as const)
    if (file !== undefined && path.resolve(file) === path.resolve(notebook))
      throw new UsageError(`${flag} ${file} would overwrite the notebook being run`);
  return {
    notebook,
    output: values.output ?? `${notebook.replace(/\.ipynb$/, '')}.out.ipynb`,
    html: values.html,
    timeout,
    allowErrors: !!values['allow-errors'],
    parameters,
  };
}

function flagProblem(e: any): string {
  const known = Object.entries(OPTIONS).flatMap(([long, o]) => [`--${long}`, ...('short' in o ? [`-${o.short}`] : [])]);
  known.push('-p', '--parameter');
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(e.message)?.[1] ?? '';
    if (/^(-p|--parameter)(=|$)/.test(flag)) return `${flag.split('=')[0]} expects NAME VALUE as two arguments`;
    const hint = closest(flag, known) ?? closest(flag.replace(/^-+/, '--'), known);
    return `unknown flag ${flag}${hint ? ` (did you mean ${hint}?)` : ''}; flags: ${known.join(', ')}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /--[\w-]+/.exec(e.message)?.[0] ?? 'a flag';
    return `${flag} expects a value`;
  }
  return e.message;
}

/**
 * `amalgam run`: exit 0 when every cell ran, 1 at the first cell error (the notebook is still
 * written, with the error in that cell), 2 for a bad command line or a bad notebook (nothing runs),
 * 130 when Ctrl-C stopped it (written up to the interrupted cell).
 */
export async function runCommand(argv: string[]): Promise<number> {
  let args: RunArgs;
  let notebook: ReturnType<typeof readNotebook>;
  try {
    args = parseRunArgs(argv);
    notebook = readNotebook(args.notebook);
  } catch (e) {
    if (e instanceof UsageError && e.message === 'help') return -1;
    if (e instanceof AmalgamError) {
      console.error(`amalgam run: ${e.message}`);
      if (!(e instanceof NotebookError)) console.error(`usage: ${RUN_USAGE}`);
      return 2;
    }
    throw e;
  }
  const output = path.resolve(args.output);
  const html = args.html ? path.resolve(args.html) : undefined;
  const here = process.cwd();
  // Cells see the notebook's folder as their working directory, as in Jupyter.
  process.chdir(path.dirname(path.resolve(args.notebook)));
  const { runNotebook } = await import('../runner/execute.js');
  // On a terminal, Ctrl-C is read by the watchdog (raw mode), so it stops even a busy loop.
  const terminal = !!process.stdin.isTTY && !!process.stderr.isTTY;
  if (terminal) {
    process.stdin.setRawMode(true);
    process.once('exit', () => process.stdin.setRawMode(false));
  }
  const started = performance.now();
  const progress = !!process.stderr.isTTY;
  const total =
    notebook.cells.filter((c) => c.cell_type === 'code').length + (Object.keys(args.parameters).length ? 1 : 0);
  const result = await runNotebook(notebook, {
    parameters: args.parameters,
    allowErrors: args.allowErrors,
    timeout: args.timeout,
    terminal,
    warn: (t) => {
      if (progress) process.stderr.write('\r\x1b[2K');
      console.error(`amalgam run: ${t}`);
    },
    // Where the run is, in place on a terminal (as papermill's progress bar).
    onCell: (_index, n) => {
      if (progress) process.stderr.write(`\r\x1b[2K${args.notebook}: cell ${n} of ${total}`);
    },
  }).finally(() => {
    if (progress) process.stderr.write('\r\x1b[2K');
    process.chdir(here);
  });
  writeNotebook(output, result.notebook);
  if (html) {
    const { notebookToHtml } = await import('../runner/html.js');
    fs.mkdirSync(path.dirname(html), { recursive: true });
    fs.writeFileSync(html, notebookToHtml(result.notebook, path.basename(args.notebook)));
  }
  for (const e of result.errors) console.error(`${args.notebook}: cell ${e.cell}: ${e.ename}: ${e.evalue}`);
  const code = result.notebook.cells.filter((c) => c.cell_type === 'code').length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${args.notebook}: ${code} code cells in ${seconds} s, ${result.errors.length} error(s) -> ${path.relative(here, output) || output}${html ? `, ${path.relative(here, html)}` : ''}`,
  );
  if (result.interrupted) return 130; // as a shell reports a command ended by Ctrl-C
  return result.errors.length && !args.allowErrors ? 1 : 0;
}
