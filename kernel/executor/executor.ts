import * as vm from 'node:vm';
import ts from 'typescript';
import type { Session } from '../../lib/magics/magic';
import { InterruptedError } from '../../lib/interrupt';
import { clearOutput, display } from '../../lib/display/output';
import '../../lib/display/renderers';
import { input, prompt } from '../../lib/input';
import { Checker, type CheckResult } from './checker';
import type { Declaration } from './declarations';
import { CellError, codeFrame, headline } from './errors';
import { loadModule, pick } from './modules';
import { compileCell, type CompiledCell, declaredNames } from './transform';

export interface RunOptions {
  /** The name errors use for this code, e.g. `In[3]`. */
  name: string;
  /** Lines above this code in its cell (magic lines split a cell into segments). */
  lineOffset?: number;
  /** Aborted on interrupt: the run rejects with KeyboardInterrupt at once. */
  signal?: AbortSignal;
}

export interface RunResult {
  hasValue: boolean;
  value?: unknown;
  check?: CheckResult;
}

/** Globals the kernel itself relies on: a cell may not replace them. */
const RESERVED = new Set([
  'process',
  'Buffer',
  'console',
  'require',
  'module',
  'exports',
  'globalThis',
  'global',
  '__amalgam',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'Object',
  'Array',
  'Function',
  'Promise',
  'Symbol',
  'Error',
  'TypeError',
  'Map',
  'Set',
  'WeakMap',
  'JSON',
  'Reflect',
  'Proxy',
  'Number',
  'String',
  'Boolean',
  'Date',
  'RegExp',
  'Uint8Array',
  'Float32Array',
  'Int32Array',
  'ArrayBuffer',
  'display',
  'clearOutput',
]);

export const PRELUDE = `// Kernel globals available in every cell.
declare const display: typeof import('amalgam').display;
declare const clearOutput: typeof import('amalgam').clearOutput;
declare const input: typeof import('amalgam').input;
declare const prompt: typeof import('amalgam').prompt;
`;

/**
 * Runs cells: type-check against earlier cells, compile, run in the kernel's realm with top-level
 * await, keep the names. Implements the library's `Session` so magics reach the same namespace.
 */
export class Executor implements Session {
  readonly checker: Checker;
  /** What a traceback needs of each cell that ran (a function it defined may throw in any later cell). */
  private compiled = new Map<string, { toCell: CompiledCell['toCell']; source: string; lineOffset: number }>();
  private cwd: string;
  /** Milliseconds spent type-checking since start (execute_reply metadata reports each cell's share). */
  checkMs = 0;

  constructor(cwd = process.cwd()) {
    this.cwd = cwd;
    this.checker = new Checker(cwd, PRELUDE);
    // The first program (kernel globals, amalgam's types) is built at start-up rather than by the first cell.
    setImmediate(() => this.checker.prepare());
    const runtime = {
      bind: (spec: string, names: Record<string, string>) => this.bind(spec, names),
      load: async (spec: string) => pick(await loadModule(spec, this.cwd), '*', spec),
    };
    Object.defineProperty(globalThis, '__amalgam', { value: runtime, configurable: true });
    // The prelude's globals (typed in PRELUDE): IPython-style display without an import.
    Object.assign(globalThis, { display, clearOutput, input, prompt });
  }

  get directory(): string {
    return this.cwd;
  }

  /** `%cd`: runtime imports resolve from the new folder (type-checking keeps its virtual root). */
  chdir(dir: string): void {
    process.chdir(dir);
    this.cwd = process.cwd();
    this.checker.setCwd(this.cwd);
  }

  private async bind(spec: string, names: Record<string, string>): Promise<Record<string, unknown>> {
    const loaded = await loadModule(spec, this.cwd);
    const out: Record<string, unknown> = {};
    for (const [local, imported] of Object.entries(names)) out[local] = pick(loaded, imported, spec);
    return out;
  }

  async run(code: string, options: RunOptions): Promise<RunResult> {
    const lineOffset = options.lineOffset ?? 0;
    if (!code.trim()) return { hasValue: false };
    const check = this.checker.check(code);
    this.checkMs += check.ms;
    if (check.diagnostics.length) throw this.typeError(code, check, options.name, lineOffset);
    const sf = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.ES2022, true);
    const reserved = declaredNames(sf).filter((n) => RESERVED.has(n));
    if (reserved.length) {
      throw new CellError(
        'NameError',
        `${reserved.join(', ')} ${reserved.length > 1 ? 'are' : 'is'} reserved by the kernel: choose another name`,
        [
          headline(
            'NameError',
            `${options.name}: cannot declare ${reserved.join(', ')} at the top level (the kernel relies on ${reserved.length > 1 ? 'them' : 'it'})`,
          ),
        ],
      );
    }
    const compiled = compileCell(code, options.name);
    this.compiled.set(options.name, { toCell: compiled.toCell, source: code, lineOffset });
    const before = new Map(check.declarations.map((d) => [d.name, (globalThis as any)[d.name]]));
    try {
      const outcome = await this.evaluate(compiled.code, options);
      this.checker.commit(code, check.declarations);
      return outcome && typeof outcome === 'object' && 'value' in outcome
        ? { hasValue: true, value: (outcome as any).value, check }
        : { hasValue: false, check };
    } catch (e) {
      // Names assigned before the failure keep their new values (as in IPython): their types follow.
      const assigned = check.declarations.filter((d) => (globalThis as any)[d.name] !== before.get(d.name));
      this.checker.commit(code, assigned as Declaration[]);
      throw e instanceof CellError ? e : this.runtimeError(e);
    }
  }

  /** Runs the script in a macrotask of its own, so an interrupt that terminates it unwinds only user code. */
  private evaluate(code: string, options: RunOptions): Promise<unknown> {
    const script = new vm.Script(code, { filename: options.name });
    const run = new Promise<unknown>((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(script.runInThisContext({ breakOnSigint: true }));
        } catch (e: any) {
          reject(e?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED' ? new InterruptedError() : e);
        }
      });
    });
    const signal = options.signal;
    if (!signal) return run;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new InterruptedError());
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private typeError(code: string, check: CheckResult, name: string, lineOffset: number): CellError {
    const first = check.diagnostics[0];
    const where = (d: { line: number; column: number }) => `${name} line ${d.line + lineOffset}, column ${d.column}`;
    const evalue = `${where(first)}: ${first.message} (TS${first.code})`;
    const traceback: string[] = [];
    for (const d of check.diagnostics) {
      traceback.push(headline('TypeScriptError', `${where(d)}: ${d.message} (TS${d.code})`));
      traceback.push(
        ...codeFrame(code, d.line, d.column).map((l) =>
          l.replace(/(\s)(\d+) /, (_m, sp, n) => `${sp}${String(+n + lineOffset).padStart(3)} `),
        ),
      );
    }
    return new CellError('TypeScriptError', evalue, traceback);
  }

  /** Maps a thrown value's stack to cell lines and columns, dropping the kernel's own frames. */
  runtimeError(e: unknown): CellError {
    if (e instanceof CellError) return e;
    if (!(e instanceof Error)) {
      const text = typeof e === 'string' ? e : require('node:util').inspect(e);
      return new CellError('Thrown', text, [headline('Thrown', `a non-Error value was thrown: ${text}`)]);
    }
    const ename = e.name || 'Error';
    const evalue = e.message;
    const traceback = [headline(ename, evalue)];
    let framed = false;
    for (const raw of (e.stack ?? '').split('\n').slice(1)) {
      const line = raw.trim();
      const m = /(In\[[^\]]*\]|Cell\[[^\]]*\]):(\d+):(\d+)/.exec(line);
      if (m) {
        const entry = this.compiled.get(m[1]);
        if (!entry) {
          traceback.push(`    ${line}`);
          continue;
        }
        const pos = entry.toCell(+m[2], +m[3]);
        const fn = /^at (?:async )?([^\s(]+) \(/.exec(line)?.[1];
        const inFn = fn && fn !== '<anonymous>' ? ` in ${fn}` : '';
        traceback.push(`${m[1]} line ${pos.line + entry.lineOffset}, column ${pos.column}${inFn}`);
        if (!framed) {
          traceback.push(...codeFrame(entry.source, pos.line, pos.column));
          framed = true;
        }
      } else if (!/\(node:|at node:|[\\/]dist[\\/]kernel[\\/]|^at new Promise|^at Immediate/.test(line)) {
        traceback.push(`    ${line}`);
      }
    }
    return new CellError(ename, evalue, traceback);
  }

  // ---- Session (what magics see) ----
  get(name: string): unknown {
    return (globalThis as any)[name];
  }
  has(name: string): boolean {
    return this.checker.has(name) || name in globalThis;
  }
  set(name: string, value: unknown, type = 'any'): void {
    if (RESERVED.has(name)) throw new Error(`${name} is reserved by the kernel`);
    (globalThis as any)[name] = value;
    this.checker.declare(name, type);
  }
  delete(name: string): void {
    delete (globalThis as any)[name];
    this.checker.forget(name);
  }
  names(): { name: string; type: string }[] {
    return this.checker.names().map(({ name, type }) => ({ name, type }));
  }
  async execute(code: string): Promise<unknown> {
    const r = await this.run(code, { name: `Cell[${++this.anonymous}]` });
    return r.value;
  }
  private anonymous = 0;
  reset(): void {
    for (const { name } of this.checker.names()) delete (globalThis as any)[name];
    this.checker.forgetAll();
  }
}
