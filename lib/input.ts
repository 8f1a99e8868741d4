import * as readline from 'node:readline';

/** How a line of user input is obtained: the kernel installs a provider that uses the stdin channel. */
export type InputProvider = (prompt: string, password: boolean) => Promise<string>;

const terminal: InputProvider = (question) =>
  new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
  });

let provider: InputProvider = terminal;

export function setInputProvider(next: InputProvider | undefined): void {
  provider = next ?? terminal;
}

/** Asks the user for a line of text (Jupyter shows an input box). */
export function input(prompt = '', options: { password?: boolean } = {}): Promise<string> {
  return provider(prompt, options.password ?? false);
}

/** Browser-style alias of `input`. */
export function prompt(message = ''): Promise<string> {
  return input(message);
}
