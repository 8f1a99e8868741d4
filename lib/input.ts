import * as fs from 'node:fs';
import * as readline from 'node:readline';

/**
 * How a line of user input is obtained. The kernel installs one that uses the stdin channel (an
 * input box in Jupyter), the REPL its terminal; plain Node reads the process's stdin.
 */
export interface InputProvider {
  ask(prompt: string, password: boolean): Promise<string>;
  /** The same, blocking until the answer comes (browser-style prompt()). */
  askSync(prompt: string, password: boolean): string;
}

/** One line from a terminal's stdin, read synchronously (no event loop turn). */
function readLineSync(question: string): string {
  process.stdout.write(question);
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n = 0;
    try {
      n = fs.readSync(0, one, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
    if (n === 0 || one[0] === 0x0a) break;
    bytes.push(one[0]);
  }
  return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
}

const terminal: InputProvider = {
  ask: (question) =>
    new Promise((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      rl.question(question, (answer) => {
        rl.close();
        resolve(answer);
      });
    }),
  askSync: (question) => readLineSync(question),
};

let provider: InputProvider = terminal;

export function setInputProvider(next: InputProvider | undefined): void {
  provider = next ?? terminal;
}

/** Asks the user for a line of text (Jupyter shows an input box): `await input('Name? ')`. */
export function input(prompt = '', options: { password?: boolean } = {}): Promise<string> {
  return provider.ask(prompt, options.password ?? false);
}

/** Browser-style prompt: returns the answer itself, synchronously, as in browsers and Deno. */
export function prompt(message = ''): string {
  return provider.askSync(message, false);
}
