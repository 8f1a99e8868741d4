// %serve, %unserve, %retrain: thin parsers over lib/serve (serve.start, server.close, serve.retrain),
// which cells can call directly. Servers run inside the kernel and answer between (and during) cells.
import { numberFlag, UsageError } from '../../lib/magics/args';
import { type MagicContext, registerMagic } from '../../lib/magics/registry';
import { retrain } from '../../lib/serve/retrain';
import { type Server, servers, start } from '../../lib/serve/index';

const value = (ctx: MagicContext, flag: string) => {
  const v = ctx.args.flags[flag];
  if (v === true) throw new UsageError(ctx.name, `--${flag} expects a value`);
  return v;
};

function checkFlags(ctx: MagicContext, known: string[]): void {
  for (const f of Object.keys(ctx.args.flags))
    if (!known.includes(f))
      throw new UsageError(
        ctx.name,
        `unknown flag --${f} (flags: ${known.map((k) => `--${k}`).join(', ')}; %${ctx.name}? for help)`,
      );
}

const serving = (name: string): Server | undefined => servers().find((s) => s.holders.has(name));

/** A curl line that works as pasted: zeros of the model's input shape, asking for latent_low. */
function curlLine(server: Server, name: string, token?: string): string {
  const v = server.holder(name).defaultVersion;
  const zeros = new Array(v.model.config.input.reduce((a, b) => a * b, 1)).fill(0);
  const output = v.model.outputNames.includes('latent_low') ? 'latent_low' : v.model.outputNames[0];
  const auth = token ? ` -H 'Authorization: Bearer ${token}'` : '';
  return `curl -s${auth} -d '${JSON.stringify({ instances: [zeros], outputs: [output] })}' ${server.url}/v1/models/${name}:predict`;
}

registerMagic({
  name: 'serve',
  kind: 'line',
  help: `%serve NAME[@VERSION|@TAG] [--port P] [--host H] [--registry DIR] [--token T] [--canary TAG=PERCENT]
       [--max-batch N] [--max-delay MS] [--no-batching]

Serves a registered amalgamation from inside the kernel (it answers while cells run and between
them): TF Serving REST under /v1/models/NAME, the Open Inference Protocol v2 under /v2, feedback,
/metrics. Binds 127.0.0.1 on a free port unless --host/--port say otherwise; prints the URL and a
curl line to paste. NAME@TAG follows the tag as it moves (%save --tag, %retrain). Same as
serve.start({ model: 'NAME@TAG' }); serve.servers() lists the running servers.

  %serve fm@production --port 8501`,
  booleans: ['no-batching'],
  run: async (ctx) => {
    checkFlags(ctx, ['port', 'host', 'registry', 'token', 'canary', 'max-batch', 'max-delay', 'no-batching']);
    const ref = ctx.args._[0];
    if (!ref || ctx.args._.length > 1) throw new UsageError('serve', 'expects one model: %serve NAME[@VERSION|@TAG]');
    const name = ref.split('@')[0];
    const already = serving(name);
    if (already) throw new UsageError('serve', `${name} is already served at ${already.url} (%unserve ${name} first)`);
    const token = value(ctx, 'token');
    let server: Server;
    try {
      server = await start({
        model: ref,
        port: numberFlag(ctx.args, 'port', 'serve') ?? 0,
        host: value(ctx, 'host'),
        registry: value(ctx, 'registry'),
        token,
        canary: value(ctx, 'canary'),
        batching: ctx.args.flags['no-batching']
          ? false
          : {
              maxBatch: numberFlag(ctx.args, 'max-batch', 'serve'),
              maxDelayMs: numberFlag(ctx.args, 'max-delay', 'serve'),
            },
      });
    } catch (e) {
      throw new UsageError('serve', (e as Error).message);
    }
    console.log(`Serving ${server.describe()}`);
    console.log(
      `  TF Serving REST ${server.url}/v1/models/${name} · Open Inference Protocol ${server.url}/v2/models/${name} · ${server.url}/metrics`,
    );
    console.log(curlLine(server, name, token ?? process.env.AMALGAM_SERVE_TOKEN));
  },
});

registerMagic({
  name: 'unserve',
  kind: 'line',
  help: `%unserve NAME | --all

Stops the server %serve started for NAME (or every server with --all): it stops accepting, lets
requests in flight finish, then frees the models' tensors. Same as server.close().`,
  booleans: ['all'],
  run: async (ctx) => {
    checkFlags(ctx, ['all']);
    const name = ctx.args._[0];
    const targets = ctx.args.flags.all ? servers() : name ? [serving(name)].filter((s): s is Server => !!s) : undefined;
    if (!targets) throw new UsageError('unserve', 'expects a model name: %unserve NAME (or --all)');
    if (!targets.length)
      throw new UsageError(
        'unserve',
        `${name ?? 'nothing'} is not served here (${
          servers().length
            ? `serving: ${servers()
                .flatMap((s) => [...s.holders.keys()])
                .join(', ')}`
            : 'no server is running'
        })`,
      );
    for (const s of targets) {
      const url = s.url;
      await s.close();
      console.log(`Stopped ${[...s.holders.keys()].join(', ')} at ${url}`);
    }
  },
});

registerMagic({
  name: 'retrain',
  kind: 'line',
  help: `%retrain NAME [--from TAG] [--tag TAG] [--epochs E] [--lr X] [--holdout F] [--tolerance X] [--registry DIR]

One round of continuous learning: fine-tunes a challenger from NAME@TAG (default latest) on the
feedback clients sent plus the version's original training data, evaluates champion and challenger
on the same held-out rows per head, registers the challenger with its lineage, and moves TAG to it
only if no head regresses by more than --tolerance (default 0). A server following TAG (%serve
NAME@TAG) switches by itself. Same as serve.retrain(name, {from, epochs}).

  %retrain fm --from production --epochs 2`,
  run: async (ctx) => {
    checkFlags(ctx, ['from', 'tag', 'epochs', 'lr', 'holdout', 'tolerance', 'registry']);
    const name = ctx.args._[0];
    if (!name || ctx.args._.length > 1)
      throw new UsageError('retrain', 'expects one model: %retrain NAME [--from TAG]');
    try {
      return await retrain(name, {
        from: value(ctx, 'from'),
        tag: value(ctx, 'tag'),
        epochs: numberFlag(ctx.args, 'epochs', 'retrain'),
        lr: numberFlag(ctx.args, 'lr', 'retrain'),
        holdout: numberFlag(ctx.args, 'holdout', 'retrain'),
        tolerance: numberFlag(ctx.args, 'tolerance', 'retrain'),
        registry: value(ctx, 'registry'),
        live: true,
        signal: ctx.signal,
      });
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError('retrain', (e as Error).message);
    }
  },
});
