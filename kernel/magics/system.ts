import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../lib/magics/args';
import { registerMagic } from '../../lib/magics/registry';

registerMagic({
  name: 'env',
  kind: 'line',
  help: '%env              lists environment variables\n%env NAME         shows one\n%env NAME=VALUE   sets one (also %env NAME VALUE)',
  run: ({ line }) => {
    const text = line.trim();
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

registerMagic({
  name: 'pwd',
  kind: 'line',
  help: "%pwd\n\nThe kernel's working directory.",
  run: () => process.cwd(),
});

registerMagic({
  name: 'cd',
  kind: 'line',
  help: "%cd [DIR]\n\nChanges the kernel's working directory (default: home). Relative imports and file\nloaders resolve from it afterwards.",
  run: ({ args, session }) => {
    const target = path.resolve(args._[0] ?? process.env.HOME ?? '/');
    if (!fs.existsSync(target) || !fs.statSync(target).isDirectory())
      throw new UsageError('cd', `no such directory: ${target}`);
    const exec = session as any;
    if (typeof exec.chdir === 'function') exec.chdir(target);
    else process.chdir(target);
    return process.cwd();
  },
});

registerMagic({
  name: 'writefile',
  kind: 'cell',
  booleans: ['a', 'append'],
  help: '%%writefile [-a] FILE\n\nWrites the cell body to FILE (creating folders); -a appends.',
  run: ({ args, body }) => {
    const file = args._[0];
    if (!file) throw new UsageError('writefile', 'usage: %%writefile [-a] FILE');
    const target = path.resolve(file);
    const append = !!(args.flags.a || args.flags.append);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const exists = fs.existsSync(target);
    (append ? fs.appendFileSync : fs.writeFileSync)(target, body.endsWith('\n') ? body : body + '\n');
    console.log(`${append ? 'Appending to' : exists ? 'Overwriting' : 'Writing'} ${file}`);
  },
});

registerMagic({
  name: 'sh',
  kind: 'cell',
  help: '%%sh\n\nRuns the cell body with /bin/sh; its output streams into the cell as it comes.\nA non-zero exit status is an error naming it. Interrupt stops the process.',
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
