// `amalgam serve NAME[@VERSION|TAG]`: the REST server of lib/serve in the foreground, until Ctrl-C.
import { selectBackend } from '../../lib/backend';
import { numberFlag, type ParsedArgs } from '../../lib/magics/args';
import { type ServeOptions, start } from '../../lib/serve/server';

const FLAGS = [
  'worker',
  'port',
  'host',
  'registry',
  'token',
  'canary',
  'max-batch',
  'max-delay',
  'no-batching',
  'body-limit',
  'log',
  'sample',
  'sample-reps',
];

/** Refuses flags a command does not know, naming the closest one. */
export function checkFlags(command: string, args: ParsedArgs, known: string[]): void {
  for (const f of Object.keys(args.flags))
    if (!known.includes(f) && f !== 'help' && f !== 'h')
      throw new Error(
        `unknown flag --${f} (flags: ${known.map((k) => `--${k}`).join(', ')}; amalgam ${command} --help)`,
      );
}

const text = (args: ParsedArgs, flag: string): string | undefined => {
  const v = args.flags[flag];
  if (v === true) throw new Error(`--${flag} expects a value`);
  return v;
};

export function serveOptions(args: ParsedArgs): ServeOptions {
  checkFlags('serve', args, FLAGS);
  if (!args._.length)
    throw new Error('usage: amalgam serve NAME[@VERSION|TAG] [--port P] [--host H] (amalgam serve --help)');
  const num = (flag: string) => numberFlag(args, flag, 'serve')?.valueOf();
  return {
    models: args._,
    port: num('port') ?? 8080,
    host: text(args, 'host'),
    registry: text(args, 'registry'),
    token: text(args, 'token'),
    canary: text(args, 'canary'),
    batching: args.flags['no-batching'] ? false : { maxBatch: num('max-batch'), maxDelayMs: num('max-delay') },
    bodyLimit: num('body-limit'),
    logger: !!args.flags.log,
    worker: !!args.flags.worker,
    sample: sampleOptions(num('sample'), text(args, 'sample-reps')),
  };
}

/** --sample N (rows kept per version; 0: none) and --sample-reps R,R|all (representations kept). */
export function sampleOptions(size: number | undefined, reps: string | undefined): ServeOptions['sample'] {
  if (size !== undefined && (!Number.isInteger(size) || size < 0))
    throw new Error(`--sample expects a whole number of rows (0 keeps none), got ${size}`);
  if (size === 0) return false;
  const list = reps === undefined ? undefined : reps === 'all' ? 'all' : reps.split(',').map((r) => r.trim());
  const known = ['latent_high', 'latent_low', 'logits', 'probs'];
  for (const r of list === 'all' ? [] : (list ?? []))
    if (!known.includes(r)) throw new Error(`--sample-reps: no representation "${r}" (${known.join(', ')} or all)`);
  return { size, reps: list };
}

export async function serveCommand(args: ParsedArgs): Promise<void> {
  const options = serveOptions(args);
  await selectBackend().catch((e) => console.error(`backend: ${(e as Error).message}`));
  const server = await start(options);
  const [name] = [...server.holders.keys()];
  const holder = server.holder(name);
  const auth =
    options.token || process.env.AMALGAM_SERVE_TOKEN ? ' -H "Authorization: Bearer $AMALGAM_SERVE_TOKEN"' : '';
  const example = holder.defaultVersion.model.outputNames.includes('latent_low')
    ? 'latent_low'
    : holder.defaultVersion.model.outputNames[0];
  console.log(`amalgam serve: ${server.describe().split('\n').join('; ')}`);
  console.log(
    `  TF Serving REST: ${server.url}/v1/models/${name}   Open Inference Protocol v2: ${server.url}/v2/models/${name}   metrics: ${server.url}/metrics`,
  );
  console.log(
    `  curl${auth} -d '{"instances": [...], "outputs": ["${example}"]}' ${server.url}/v1/models/${name}:predict`,
  );
  const stop = async () => {
    console.log('amalgam serve: stopping (finishing requests in flight)');
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise(() => {}); // serve until a signal
}
