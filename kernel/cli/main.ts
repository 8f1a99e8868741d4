import * as path from 'node:path';
import { parseArgs } from '../../lib/magics/args';
import { closest } from '../../lib/util/text';
import { installKernelspec } from './install';

import { PACKAGE_VERSION } from '../../lib/util/package';

const HELP: Record<string, string> = {
  main: `amalgam ${PACKAGE_VERSION}: a Jupyter kernel for TypeScript deep learning

Usage: amalgam COMMAND [options]

Commands:
  install   write the Jupyter kernelspec (no Python needed)
  kernel    run the kernel (Jupyter starts this with a connection file)
  run       execute a notebook headless (no Jupyter or Python needed)
  repl      a terminal REPL with the same magics
  link      put the amalgam command on PATH (npm run setup does this)
  serve     serve a registered amalgamation over REST (TF Serving /v1, Open Inference Protocol /v2)
  retrain   fine-tune a challenger on the served model's feedback; promote it if no head regresses
  bench     run a benchmark from bench/ (kernel, data, model, train, viz, serve)

Options: --version, --help (also after any command)`,
  install: `Usage: amalgam install [--user | --sys-prefix | --prefix PATH] [--name NAME] [--display-name TEXT]

Writes the kernelspec (kernel.json, logos) where Jupyter finds it:
  --user          per-user data dir (default): ~/.local/share/jupyter/kernels
  --sys-prefix    the active Python env ($CONDA_PREFIX or $VIRTUAL_ENV)
  --prefix PATH   PATH/share/jupyter/kernels
  --name NAME     kernel name (default: amalgam)`,
  kernel: `Usage: amalgam kernel CONNECTION_FILE

Runs the kernel on the ports and key of CONNECTION_FILE (Jupyter does this for you).`,
  run: `Usage: amalgam run NOTEBOOK [-p NAME VALUE ...] [-o OUT.ipynb] [--html OUT.html] [--timeout S] [--allow-errors]

Executes NOTEBOOK's code cells in order in this process (same executor and magics as the kernel,
the notebook's folder as working directory) and writes the executed notebook, valid nbformat v4.5:
  -o, --output OUT.ipynb   where (default NOTEBOOK.out.ipynb)
  -p, --parameter NAME VALUE
                           papermill's parameters: assigned in a cell inserted after the cell
                           tagged "parameters", VALUE as JSON when it parses, else a string; the
                           type the parameters cell declared stays (-p NAME=VALUE works too)
  --html OUT.html          also a self-contained page: markdown, code, outputs, interactive charts
                           with their PNG beside them, readable offline
  --timeout S              a cell running longer than S seconds ends with "timed out after S s"
  --allow-errors           go on after a cell fails (exit 0)
On a terminal, Ctrl-C stops the running cell (even a busy loop) and the run, and the notebook is
written up to that cell. Exit status: 0 every cell ran, 1 a cell failed (the notebook is written up
to it), 2 a bad command line or a notebook that is missing, not JSON, or invalid against the
nbformat schema, 130 stopped by Ctrl-C.`,
  repl: `Usage: amalgam repl

An interactive TypeScript prompt with the kernel's executor: type-checking, top-level await, magics
(%help). Tab completes from the type checker; Up recalls earlier entries whole, kept across sessions
in ~/.amalgam/repl_history ($AMALGAM_HOME/repl_history); Ctrl-C stops the running cell (even a
synchronous loop) and keeps every name; exit, .exit or Ctrl-D leave at once. Charts are written to
PNG files whose path is printed; progress lines update in place.`,
  link: `Usage: amalgam link [--dir DIR]

Links DIR/amalgam to this checkout's bin/amalgam.js. Without --dir: the first of ~/.local/bin and
/usr/local/bin that is on PATH and writable, else ~/.local/bin (created; prints the PATH line to
add). Running it again, or from another checkout, replaces the link.`,
  serve: `Usage: amalgam serve NAME[@VERSION|@TAG] [--port P] [--host H] [--registry DIR] [--token T]
       [--canary TAG=PERCENT] [--max-batch N] [--max-delay MS] [--no-batching] [--worker] [--body-limit BYTES] [--log]
       [--sample N] [--sample-reps R,R|all]

Serves a registered amalgamation (NAME follows its 'latest' tag, NAME@TAG follows TAG, NAME@VERSION
stays on that version) until Ctrl-C, on 127.0.0.1 unless --host says otherwise (default port 8080):
  TF Serving REST   GET /v1/models/NAME[/versions/V|/labels/TAG][/metadata], POST ...:predict
                    with instances or inputs, plus "outputs": [representation or head names]
  OIP v2            GET /v2, /v2/health/live|ready, /v2/models/NAME[/versions/V][/ready],
                    POST .../infer (typed tensors, outputs, binary tensor data)
  feedback          POST /v1|v2/models/NAME/feedback (inputs plus "labels": {head: [...]}), GET for counts
  metrics           GET /metrics (Prometheus)
When a tag moves (%save --tag, amalgam retrain, another process) the server switches to the new
version without a restart; the old one is disposed once its requests finish. --canary sends PERCENT
of unpinned requests to TAG. --token (or $AMALGAM_SERVE_TOKEN) requires "Authorization: Bearer T"
on every route but /v2/health. Dynamic batching merges concurrent requests (default 64 rows, 2 ms);
--worker runs predict in a worker thread, so requests are parsed while a batch computes.
Served traffic is sampled per version (reservoir of --sample rows, default 2000; 0 keeps none) with
its --sample-reps (default latent_low) into <registry>/served/NAME/VERSION.jsonl; /metrics reports
drift per kept representation against the version's training data (amalgam_drift*).`,
  retrain: `Usage: amalgam retrain NAME [--from TAG] [--tag TAG] [--epochs E] [--lr X] [--batch B]
       [--holdout F] [--tolerance X] [--seed N] [--registry DIR] [--json] [--if-drift [THRESHOLD] [--rep R]]

Fine-tunes a challenger from NAME@TAG (default latest) on the feedback clients sent
(POST /v1/models/NAME/feedback) plus the version's original training data (metadata.data in its
lineage), evaluates champion and challenger on the same held-out rows (the data's test split or a
seeded share, and --holdout of the feedback, default 0.2), registers the challenger (tag
'challenger', with parent, feedback count and sha256, evaluation and verdict), and moves TAG to it
only if no head's main metric falls by more than --tolerance (default 0). Seeded (--seed, default 0):
the same feedback and data give the same challenger. A running amalgam serve following TAG switches
by itself. Exit status 0 whether or not the challenger is promoted (--json tells which).
--if-drift retrains only when the champion's served traffic drifted on --rep (default latent_low)
against its training data: MMD permutation p < 0.05, or MMD² ≥ THRESHOLD when one is given.`,
  bench: `Usage: amalgam bench NAME [args]

Runs bench/NAME (kernel, data, model, train, viz, serve); each prints a table of ratios against its
baseline measured in the same run and writes bench/results/NAME.json.`,
};

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest, [
    'user',
    'sys-prefix',
    'help',
    'h',
    'version',
    'allow-errors',
    'no-batching',
    'log',
    'json',
  ]);
  if (!command || command === '--help' || command === '-h' || command === 'help') return void console.log(HELP.main);
  if (command === '--version' || command === '-v') return void console.log(PACKAGE_VERSION);
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
        const { runCommand } = await import('./run.js');
        const code = await runCommand(rest).catch((e: Error) => {
          console.error(`amalgam run: ${e.message}`);
          return 2;
        });
        if (code < 0) return void console.log(HELP.run);
        // Timers or servers a notebook left behind must not keep the command alive.
        return process.exit(code);
      }
      case 'link': {
        const { parseArgs: parseStrict } = await import('node:util');
        let values: { dir?: string };
        try {
          ({ values } = parseStrict({ args: rest, options: { dir: { type: 'string' } }, strict: true }));
        } catch (e: any) {
          const flag = /'([^']+)'/.exec(e.message)?.[1];
          throw new Error(
            e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
              ? `unknown flag ${flag}${closest(flag ?? '', ['--dir']) ? ' (did you mean --dir?)' : ''}`
              : e.message,
          );
        }
        const { linkCommand } = await import('./link.js');
        console.log(linkCommand({ dir: values.dir }));
        return;
      }
      case 'repl': {
        if (rest.length)
          throw new Error(
            `unexpected ${rest[0]}: amalgam repl takes no arguments (AMALGAM_HOME sets where its history is kept)`,
          );
        const { startRepl } = await import('./repl.js');
        await startRepl();
        return;
      }
      case 'serve': {
        const { serveCommand } = await import('./serve.js');
        await serveCommand(args);
        return;
      }
      case 'retrain': {
        const { retrainCommand } = await import('./retrain.js');
        process.exitCode = await retrainCommand(args);
        return;
      }
      case 'bench': {
        const name = args._[0];
        if (!name || !/^[\w-]+$/.test(name))
          throw new Error('usage: amalgam bench NAME (kernel, data, model, train, viz, serve)');
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
