import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { selectBackend } from '../../lib/backend';
import { setDisplaySink } from '../../lib/display/output';
import { setInputProvider } from '../../lib/input';
import { currentSignal, InterruptedError, untilReady } from '../../lib/interrupt';
import { toMimeBundle } from '../../lib/display/mime';
import { PACKAGE_VERSION } from '../../lib/util/package';
import { runCell } from '../cell';
import { CellError } from '../executor/errors';
import { Executor } from '../executor/executor';
import { codePointToIndex, complete, indexToCodePoint, isComplete } from '../executor/introspection';
import '../magics/index';
import { BackgroundErrors, terminateOnSignals } from './background';
import { History } from './repl-history';
import { TerminalOutput } from './repl-output';
import { Watchdog } from './watchdog';

const EXIT = /^\s*(?:\.exit|exit|quit|exit\(\)|quit\(\))\s*;?\s*$/;
const INDENT = '  ';

/** A line read while the main thread blocks (prompt()): fd 0 is non-blocking, so wait between tries. */
function readLineSync(question: string, write: (text: string) => void): string {
  write(question);
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n = 0;
    try {
      n = fs.readSync(0, one, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(nap, 0, 0, 10);
      continue;
    }
    if (n === 0 || one[0] === 0x0a) break;
    bytes.push(one[0]);
  }
  return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
}

/** Tab's answers: the kernel's complete_request over the whole entry typed so far. */
export function replCompletions(executor: Executor, before: string, lineBefore: string): [string[], string] {
  // At the start of a line, Tab indents.
  if (/^\s*$/.test(lineBefore)) return [[lineBefore + INDENT], lineBefore];
  const code = before + lineBefore;
  const c = complete(executor.checker, code, indexToCodePoint(code, code.length));
  const start = codePointToIndex(code, c.start) - before.length;
  return [c.matches, lineBefore.slice(Math.max(0, start))];
}

/**
 * The terminal REPL: the kernel's executor and magics, one entry (possibly several lines) per cell.
 * Tab completes from the type checker, history persists (~/.amalgam/repl_history, an entry of
 * several lines recalled whole), Ctrl-C stops the running cell, even a synchronous loop (a watchdog
 * thread reads the key while the main thread is busy), and `exit`, `.exit` or Ctrl-D leave at once.
 */
export async function startRepl(): Promise<void> {
  const tty = !!process.stdin.isTTY && !!process.stdout.isTTY;
  // Output piped into a reader that went away (`amalgam repl < s.ts | head`): nothing more to show.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
    });
  // The terminal itself, not the capture a running cell's console.log goes through.
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const out = (text: string) => {
    stdoutWrite(text);
  };
  const executor = new Executor(process.cwd());
  // The same tfjs backend as the kernel (threaded wasm when no native package loads), and the
  // library's renderers, picked while the user reads the first prompt; the first entry waits for them.
  const ready = new Promise<void>((resolve) =>
    setImmediate(() => {
      selectBackend()
        .catch((e) => console.error(`backend: ${(e as Error).message}`))
        .finally(() => resolve());
      try {
        require('../../lib/index');
      } catch (e) {
        console.error(`library: ${(e as Error).message}`);
      }
      terminateOnSignals();
    }),
  );
  const output = new TerminalOutput(out, tty);
  setDisplaySink({
    display: async (bundle, options) => output.display(await bundle, options),
    clear: () => {},
  });
  const watchdog = new Watchdog(tty);
  const background = new BackgroundErrors((text) => output.text(text));
  const history = new History();
  let buffer = '';
  let count = 0;
  /** The indent typed for the user at a continuation prompt; replaced by their own, dedented by `}`. */
  let soft = '';
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: tty,
    historySize: 10_000,
    tabSize: 2,
    completer: (line: string) => replCompletions(executor, buffer ? `${buffer}\n` : '', line),
  });
  const editor = rl as readline.Interface & { history: string[]; line: string; cursor: number; _refreshLine(): void };
  editor.history = history.entries;
  // readline adds every line it reads; an entry goes in whole once complete (below).
  rl.on('history', (h: string[]) => {
    h.shift();
  });

  const prompt = () => {
    rl.setPrompt(buffer ? '   ...: ' : `In [${count + 1}]: `);
    rl.prompt();
  };
  const leave = () => {
    output.finishLine();
    if (tty) out('\n');
    void watchdog.close().finally(() => process.exit(0));
  };

  if (tty) {
    out(
      `amalgam ${PACKAGE_VERSION}: TypeScript cells with type-checking and top-level await; %help lists magics.\nTab completes, Up recalls (history in ${history.file}), Ctrl-C interrupts, Ctrl-D or exit leaves.\n`,
    );
    // Soft indent: the user's own indentation replaces it, and a closing bracket dedents it.
    process.stdin.prependListener('keypress', (s: string | undefined) => {
      if (!soft || watchdog.running) return;
      if (editor.line !== soft || editor.cursor !== soft.length) {
        soft = '';
        return;
      }
      let next: string | undefined;
      if (s === ' ') next = '';
      else if (s && /^[}\])]$/.test(s)) next = soft.slice(INDENT.length);
      soft = '';
      if (next === undefined) return;
      editor.line = next;
      editor.cursor = next.length;
      editor._refreshLine();
    });
  }

  rl.on('SIGINT', () => {
    if (question) {
      out('^C');
      question.abort();
      watchdog.interrupt();
      return;
    }
    // At the prompt: drop what was typed, as a shell does.
    const typed = buffer || editor.line;
    buffer = '';
    soft = '';
    editor.line = '';
    editor.cursor = 0;
    out(typed ? '^C\nKeyboardInterrupt\n' : '^C\n(To exit, press Ctrl-D or type exit)\n');
    prompt();
  });

  // While an entry runs, keys go to the interrupt and are kept for the next prompt.
  const typed: [string | undefined, readline.Key | undefined][] = [];
  const typedBytes: Buffer[] = [];
  let editorKeys: ((...a: any[]) => void)[] = [];
  const cellKeys = (s: string | undefined, key: readline.Key | undefined) => {
    if (key?.ctrl && key.name === 'c') watchdog.interrupt();
    else if (!(key?.ctrl && key.name === 'd')) typed.push([s, key]);
  };
  const toCellKeys = () => {
    process.stdin.removeAllListeners('keypress');
    process.stdin.on('keypress', cellKeys);
  };
  const toEditorKeys = () => {
    process.stdin.removeAllListeners('keypress');
    for (const l of editorKeys) process.stdin.on('keypress', l);
  };

  // input() and prompt() in a cell read from this terminal (the watchdog stops reading it meanwhile).
  let question: AbortController | undefined;
  /** Set while prompt() blocks: a Ctrl-C then ends the cell without the finally below (no newline yet). */
  let syncPrompt = false;
  setInputProvider({
    ask: (text) => {
      if (!tty) return Promise.reject(new Error('input(): stdin is not a terminal'));
      watchdog.readTerminal(false);
      toEditorKeys();
      question = new AbortController();
      const signal = question.signal;
      const cell = currentSignal();
      const onCellAbort = () => question?.abort();
      return new Promise<string>((resolve, reject) => {
        const done = () => {
          question = undefined;
          cell.removeEventListener('abort', onCellAbort);
          toCellKeys();
          watchdog.readTerminal(true);
        };
        const stop = () => {
          done();
          reject(new InterruptedError());
        };
        cell.addEventListener('abort', onCellAbort, { once: true });
        signal.addEventListener('abort', stop, { once: true });
        rl.question(text, { signal }, (answer) => {
          done();
          resolve(answer);
        });
      });
    },
    askSync: (text) => {
      if (!tty) throw new Error('prompt(): stdin is not a terminal');
      watchdog.readTerminal(false);
      // Line mode: the terminal echoes and edits the line; Ctrl-C is SIGINT, which stops the cell.
      process.stdin.setRawMode(false);
      syncPrompt = true;
      try {
        return readLineSync(text, out);
      } finally {
        syncPrompt = false;
        process.stdin.setRawMode(true);
        watchdog.readTerminal(true);
      }
    },
  });

  /** Runs one entry. */
  async function execute(code: string): Promise<void> {
    count++;
    const name = `In[${count}]`;
    typed.length = 0;
    typedBytes.length = 0;
    if (tty) {
      editorKeys = process.stdin.listeners('keypress') as any;
      toCellKeys();
      watchdog.onTypeahead = (bytes) => typedBytes.push(bytes);
    }
    const streams = { stdout: process.stdout.write, stderr: process.stderr.write };
    const capture = (chunk: any, ...rest: any[]) => {
      output.text(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((a) => typeof a === 'function');
      cb?.();
      return true;
    };
    process.stdout.write = capture as any;
    process.stderr.write = capture as any;
    const write = (text: string) => streams.stdout.call(process.stdout, text);
    const writeErr = (text: string) => streams.stderr.call(process.stderr, text);
    let result: Awaited<ReturnType<typeof watchdog.run<Awaited<ReturnType<typeof runCell>>>>>;
    try {
      result = await watchdog.run(async () => {
        await untilReady(ready);
        return runCell(executor, code, name);
      });
    } finally {
      process.stdout.write = streams.stdout;
      process.stderr.write = streams.stderr;
    }
    // A prompt() the cell was stopped in left the terminal in line mode, the cursor after ^C.
    if (syncPrompt) write('\n');
    syncPrompt = false;
    output.finishLine();
    background.guard();
    terminateOnSignals();
    if (result.ok) {
      const r = result.value;
      if (r.hasValue && r.value !== undefined) {
        try {
          write(`Out[${count}]: ${output.render(await toMimeBundle(r.value))}\n`);
        } catch (e) {
          writeErr(`display failed: ${(e as Error).message}\n`);
        }
      }
    } else {
      const err = result.error instanceof CellError ? result.error : executor.runtimeError(result.error);
      // An interrupt's stack is the REPL's own (the key that stopped it), not the user's code.
      const text = (err.ename === 'KeyboardInterrupt' ? err.traceback.slice(0, 1) : err.traceback).join('\n');
      writeErr(`${tty ? text : stripVTControlCharacters(text)}\n`);
    }
    if (tty) {
      process.stdin.setRawMode(true);
      toEditorKeys();
      watchdog.onTypeahead = () => {};
      // Keys typed while the cell ran, for the prompt that follows.
      setImmediate(() => {
        for (const [s, key] of typed) process.stdin.emit('keypress', s, key);
        for (const b of typedBytes) process.stdin.emit('data', b);
      });
    }
  }

  /** Lines wait their turn: a paste or piped input may hold several entries. */
  const queue: string[] = [];
  let running = false;
  let closing = false;
  const pump = () => {
    while (!running && queue.length) {
      const line = queue.shift()!;
      if (!buffer && EXIT.test(line)) return leave();
      // A cell magic (%%sql, %%writefile) takes every line up to an empty one, as IPython's terminal does.
      const cellMagic = /^\s*%%\w/.test(buffer || line);
      if (cellMagic && buffer && !line.trim()) {
        // the empty line ends it; it is not part of the body
      } else buffer += (buffer ? '\n' : '') + line;
      const state =
        cellMagic && line.trim()
          ? { status: 'incomplete', indent: '' }
          : cellMagic
            ? { status: 'complete' }
            : isComplete(buffer);
      if (state.status === 'incomplete') {
        prompt();
        soft = tty ? (state.indent ?? '') : '';
        if (soft) rl.write(soft);
        continue;
      }
      const code = buffer;
      buffer = '';
      soft = '';
      if (!code.trim()) {
        prompt();
        continue;
      }
      history.add(code);
      running = true;
      void execute(code).finally(() => {
        running = false;
        if (closing && !queue.length) return leave();
        prompt();
        pump();
      });
    }
    if (closing && !running && !queue.length) leave();
  };
  rl.on('line', (line: string) => {
    queue.push(line);
    pump();
  });
  // Ctrl-D or the end of piped input: leave at once, timers and servers notwithstanding.
  rl.on('close', () => {
    closing = true;
    if (tty) return leave();
    pump();
  });
  prompt();
}
