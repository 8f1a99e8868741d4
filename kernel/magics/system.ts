import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../lib/magics/args';
import { defineMagic } from '../../lib/magics/magic';

defineMagic({
  name: 'env',
  kind: 'line',
  description:
    'Without arguments lists the environment; `%env NAME` shows one; `%env NAME=VALUE` (or `NAME VALUE`) sets one.',
  args: { rest: { name: 'NAME[=VALUE]', optional: true, help: 'a variable, or an assignment' } },
  examples: ['%env', '%env AMALGAM_THREADS=1'],
  run: ({ rest: text }) => {
    if (!text) return Object.fromEntries(Object.entries(process.env).sort(([a], [b]) => a.localeCompare(b)));
    const m = /^([A-Za-z_]\w*)\s*(?:=\s*|\s+)(.*)$/.exec(text);
    if (m) {
      process.env[m[1]] = m[2];
      console.log(`env: ${m[1]}=${m[2]}`);
      return undefined;
    }
    if (!(text in process.env)) throw new UsageError('env', `environment variable ${text} is not set`);
    return process.env[text];
  },
});

defineMagic({
  name: 'pwd',
  kind: 'line',
  description: "The kernel's working directory.",
  run: () => process.cwd(),
});

defineMagic({
  name: 'cd',
  kind: 'line',
  description: "Changes the kernel's working directory. Relative imports and file loaders resolve from it afterwards.",
  args: { positionals: [{ name: 'DIR', optional: true, help: 'the new directory (default: home)' }] },
  run: ({ positionals: [dir], session }) => {
    const target = path.resolve(dir ?? process.env.HOME ?? '/');
    if (!fs.existsSync(target) || !fs.statSync(target).isDirectory())
      throw new UsageError('cd', `no such directory: ${target}`);
    const exec = session as any;
    if (typeof exec.chdir === 'function') exec.chdir(target);
    else process.chdir(target);
    return process.cwd();
  },
});

defineMagic({
  name: 'writefile',
  kind: 'cell',
  description: 'Writes the cell body to FILE, creating its folders.',
  args: {
    positionals: [{ name: 'FILE', help: 'the file to write' }],
    flags: {
      a: { type: 'boolean', help: 'append instead of overwriting' },
      append: { type: 'boolean', help: 'the same as -a' },
    },
  },
  examples: ['%%writefile util.ts'],
  run: ({ positionals: [file], options, body }) => {
    const target = path.resolve(file);
    const append = !!(options.a || options.append);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const exists = fs.existsSync(target);
    (append ? fs.appendFileSync : fs.writeFileSync)(target, body.endsWith('\n') ? body : body + '\n');
    console.log(`${append ? 'Appending to' : exists ? 'Overwriting' : 'Writing'} ${file}`);
  },
});

defineMagic({
  name: 'sh',
  kind: 'cell',
  description:
    'Runs the cell body with /bin/sh; its output streams into the cell as it comes. A non-zero exit\n' +
    'status is an error naming it. Interrupt stops the process.',
  run: ({ body, signal }) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', body], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => process.stdout.write(d));
      child.stderr.on('data', (d) => process.stderr.write(d));
      const onAbort = () => child.kill('SIGINT');
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', reject);
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        if (code === 0) resolve();
        else
          reject(
            new UsageError('sh', sig ? `the script was stopped by ${sig}` : `the script exited with status ${code}`),
          );
      });
    }),
});
