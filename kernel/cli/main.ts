import * as path from 'node:path';
import { parseArgs } from '../../lib/magics/args';
import { installKernelspec } from './install';

const pkg = require('../../../package.json');

const HELP: Record<string, string> = {
  main: `amalgam ${pkg.version}: a Jupyter kernel for TypeScript deep learning

Usage: amalgam COMMAND [options]

Commands:
  install   write the Jupyter kernelspec (no Python needed)
  kernel    run the kernel (Jupyter starts this with a connection file)
  run       execute a notebook headless (no Jupyter or Python needed)
  repl      a terminal REPL with the same magics
  bench     run a benchmark from bench/ (kernel, data, model, train, viz)

Options: --version, --help (also after any command)`,
  install: `Usage: amalgam install [--user | --sys-prefix | --prefix PATH] [--name NAME] [--display-name TEXT]

Writes the kernelspec (kernel.json, logos) where Jupyter finds it:
  --user          per-user data dir (default): ~/.local/share/jupyter/kernels
  --sys-prefix    the active Python env ($CONDA_PREFIX or $VIRTUAL_ENV)
  --prefix PATH   PATH/share/jupyter/kernels
  --name NAME     kernel name (default: amalgam)`,
  kernel: `Usage: amalgam kernel CONNECTION_FILE

Runs the kernel on the ports and key of CONNECTION_FILE (Jupyter does this for you).`,
  run: `Usage: amalgam run NOTEBOOK [-o OUT] [-p NAME=VALUE ...] [--allow-errors] [--timeout SECONDS]

Executes NOTEBOOK's code cells in order in this process (same executor and magics as the kernel) and
writes the executed notebook to OUT (default NOTEBOOK.out.ipynb). -p values (JSON, else strings) are
assigned in a cell inserted after the cell tagged "parameters". Exits 1 at the first error unless
--allow-errors.`,
  repl: `Usage: amalgam repl

An interactive TypeScript prompt with amalgam's magics (%help), type-checking and top-level await.`,
  bench: `Usage: amalgam bench NAME [args]

Runs bench/NAME (kernel, data, model, train, viz); each prints a table of ratios against its
baseline measured in the same run and writes bench/results/NAME.json.`,
};

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest, ['user', 'sys-prefix', 'help', 'h', 'version', 'allow-errors']);
  if (!command || command === '--help' || command === '-h' || command === 'help') return void console.log(HELP.main);
  if (command === '--version' || command === '-v') return void console.log(pkg.version);
  if (args.flags.help || args.flags.h) return void console.log(HELP[command] ?? HELP.main);
  try {
    switch (command) {
      case 'install': {
        const dir = installKernelspec({
          user: !!args.flags.user,
          sysPrefix: !!args.flags['sys-prefix'],
          prefix: typeof args.flags.prefix === 'string' ? args.flags.prefix : undefined,
          name: typeof args.flags.name === 'string' ? args.flags.name : undefined,
          displayName: typeof args.flags['display-name'] === 'string' ? args.flags['display-name'] : undefined,
        });
        console.log(`Installed kernelspec ${path.basename(dir)} in ${dir}`);
        return;
      }
      case 'kernel': {
        const file = args._[0];
        if (!file) throw new Error('usage: amalgam kernel CONNECTION_FILE');
        const { startKernel } = await import('../kernel.js');
        await startKernel(file);
        return;
      }
      case 'run': {
        const file = args._[0];
        if (!file) throw new Error('usage: amalgam run NOTEBOOK [-o OUT] [-p NAME=VALUE ...]');
        const parameters: Record<string, unknown> = {};
        rest.forEach((t, i) => {
          if (t !== '-p' && t !== '--param') return;
          const m = /^([A-Za-z_$][\w$]*)=(.*)$/s.exec(rest[i + 1] ?? '');
          if (!m) throw new Error(`-p expects NAME=VALUE, got ${rest[i + 1] ?? 'nothing'}`);
          try {
            parameters[m[1]] = JSON.parse(m[2]);
          } catch {
            parameters[m[1]] = m[2];
          }
        });
        const out =
          typeof args.flags.o === 'string'
            ? args.flags.o
            : typeof args.flags.output === 'string'
              ? args.flags.output
              : undefined;
        const { runCommand } = await import('./run.js');
        process.exitCode = await runCommand(file, out, {
          parameters,
          allowErrors: !!args.flags['allow-errors'],
          timeout: typeof args.flags.timeout === 'string' ? Number(args.flags.timeout) : undefined,
        });
        return;
      }
      case 'repl': {
        const { startRepl } = await import('./repl.js');
        await startRepl();
        return;
      }
      case 'bench': {
        const name = args._[0];
        if (!name || !/^[\w-]+$/.test(name))
          throw new Error('usage: amalgam bench NAME (kernel, data, model, train, viz)');
        const file = path.join(__dirname, '..', '..', 'bench', `${name}.js`);
        let mod: any;
        try {
          mod = require(file);
        } catch (e: any) {
          throw e.code === 'MODULE_NOT_FOUND' ? new Error(`no benchmark named ${name}`) : e;
        }
        await mod.main(rest.slice(1));
        return;
      }
      default:
        throw new Error(`unknown command ${command} (amalgam --help lists them)`);
    }
  } catch (e) {
    console.error(`amalgam ${command}: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
