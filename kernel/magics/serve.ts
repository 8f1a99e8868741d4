// %serve, %unserve, %retrain: thin parsers over lib/serve (serve.start, server.close, serve.retrain),
// which cells can call directly. Servers run inside the kernel and answer between (and during) cells.
import type { Examples } from '../../lib/data/examples';
import { UsageError } from '../../lib/magics/args';
import { defineMagic } from '../../lib/magics/magic';
import { type Server, servers, start } from '../../lib/serve/index';
import { retrainIfDrift } from '../../lib/serve/ondrift';
import { retrain } from '../../lib/serve/retrain';
import { drift } from '../../lib/serve/served';
import { REPRESENTATIONS } from '../../lib/viz/latent';
import { dataVariable, modelVariable } from './session';

const serving = (name: string): Server | undefined => servers().find((s) => s.holders.has(name));

/** A curl line that works as pasted: zeros of the model's input shape, asking for latent_low. */
function curlLine(server: Server, name: string, token?: string): string {
  const v = server.holder(name).defaultVersion;
  const zeros = new Array(v.model.config.input.reduce((a, b) => a * b, 1)).fill(0);
  const output = v.model.outputNames.includes('latent_low') ? 'latent_low' : v.model.outputNames[0];
  const auth = token ? ` -H 'Authorization: Bearer ${token}'` : '';
  return `curl -s${auth} -d '${JSON.stringify({ instances: [zeros], outputs: [output] })}' ${server.url}/v1/models/${name}:predict`;
}

const registry = {
  registry: { metavar: 'DIR', help: 'the registry folder (default $AMALGAM_REGISTRY or .amalgam/registry)' },
} as const;

defineMagic({
  name: 'serve',
  kind: 'line',
  description:
    'Serves a registered amalgamation from inside the kernel (it answers while cells run and between\n' +
    'them): TF Serving REST under /v1/models/NAME, the Open Inference Protocol v2 under /v2, feedback,\n' +
    '/metrics. Binds 127.0.0.1 on a free port unless --host/--port say otherwise; prints the URL and a\n' +
    'curl line to paste. NAME@TAG follows the tag as it moves (%save --tag, %retrain). Same as\n' +
    "serve.start({ model: 'NAME@TAG' }); serve.servers() lists the running servers.",
  args: {
    positionals: [{ name: 'NAME[@VERSION|@TAG]', help: 'a model in the registry' }],
    flags: {
      port: { type: 'integer', min: 0, metavar: 'P', help: 'the port (default: a free one)' },
      host: { metavar: 'H', help: 'the address to bind (default 127.0.0.1)' },
      ...registry,
      token: { metavar: 'T', help: 'require this bearer token on every route but health' },
      canary: { metavar: 'TAG=PERCENT', help: "send that share of unpinned traffic to another tag's version" },
      'max-batch': {
        type: 'integer',
        min: 1,
        metavar: 'N',
        help: 'dynamic batching: most rows per batch (default 64)',
      },
      'max-delay': {
        type: 'number',
        min: 0,
        metavar: 'MS',
        help: 'dynamic batching: longest wait for a batch (default 2)',
      },
      'no-batching': { type: 'boolean', help: 'one predict per request' },
    },
  },
  examples: ['%serve fm@production --port 8501'],
  run: async (ctx) => {
    const [ref] = ctx.positionals;
    const o = ctx.options;
    const name = ref.split('@')[0];
    const already = serving(name);
    if (already) throw new UsageError('serve', `${name} is already served at ${already.url} (%unserve ${name} first)`);
    const server = await start({
      model: ref,
      port: o.port ?? 0,
      host: o.host,
      registry: o.registry,
      token: o.token,
      canary: o.canary,
      batching: o['no-batching'] ? false : { maxBatch: o['max-batch'], maxDelayMs: o['max-delay'] },
    });
    console.log(`Serving ${server.describe()}`);
    console.log(
      `  TF Serving REST ${server.url}/v1/models/${name} · Open Inference Protocol ${server.url}/v2/models/${name} · ${server.url}/metrics`,
    );
    console.log(curlLine(server, name, o.token ?? process.env.AMALGAM_SERVE_TOKEN));
  },
});

defineMagic({
  name: 'unserve',
  kind: 'line',
  description:
    'Stops the server %serve started for NAME (or every server with --all): it stops accepting, lets\n' +
    "requests in flight finish, then frees the models' tensors. Same as server.close().",
  args: {
    positionals: [{ name: 'NAME', optional: true, help: 'the model whose server stops' }],
    flags: { all: { type: 'boolean', help: 'stop every server' } },
  },
  run: async (ctx) => {
    const [name] = ctx.positionals;
    const targets = ctx.options.all ? servers() : name ? [serving(name)].filter((s): s is Server => !!s) : undefined;
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

defineMagic({
  name: 'retrain',
  kind: 'line',
  description:
    'One round of continuous learning: fine-tunes a challenger from NAME@TAG on the feedback clients\n' +
    "sent plus the version's original training data, evaluates champion and challenger on the same\n" +
    'held-out rows per head, registers the challenger with its lineage, and moves TAG to it only if no\n' +
    'head regresses by more than --tolerance. A server following TAG (%serve NAME@TAG) switches by\n' +
    "itself. --if-drift first checks the champion's served traffic (see %drift) on --rep (default\n" +
    'latent_low) and retrains only if it drifted: permutation p < 0.05, or MMD² ≥ THRESHOLD.\n' +
    'Same as serve.retrain(name, {from, epochs}) and serve.retrainIfDrift(name, {ifDrift, rep}).',
  args: {
    positionals: [{ name: 'NAME', help: 'a model in the registry' }],
    flags: {
      from: { metavar: 'TAG', help: 'the champion (default latest)' },
      tag: { metavar: 'TAG', help: 'the tag a blessed challenger takes (default: --from)' },
      epochs: { type: 'integer', min: 1, metavar: 'E', help: 'fine-tuning epochs' },
      lr: { type: 'number', metavar: 'X', help: 'learning rate' },
      holdout: { type: 'number', metavar: 'F', help: 'fraction of feedback held out for the comparison' },
      tolerance: { type: 'number', min: 0, metavar: 'X', help: "how far a head's metric may fall (default 0)" },
      'if-drift': {
        type: 'number',
        min: 0,
        optionalValue: true,
        metavar: 'THRESHOLD',
        help: 'only if the served traffic drifted (p < 0.05, or MMD² ≥ THRESHOLD)',
      },
      rep: { choices: REPRESENTATIONS, help: 'the representation --if-drift watches (default latent_low)' },
      ...registry,
    },
  },
  examples: ['%retrain fm --from production --epochs 2', '%retrain fm --from production --if-drift'],
  run: (ctx) => {
    const o = ctx.options;
    if (o.rep !== undefined && o['if-drift'] === undefined)
      throw new UsageError('retrain', '--rep goes with --if-drift');
    const options = {
      from: o.from,
      tag: o.tag,
      epochs: o.epochs,
      lr: o.lr,
      holdout: o.holdout,
      tolerance: o.tolerance,
      registry: o.registry,
      live: true,
      signal: ctx.signal,
    };
    if (o['if-drift'] !== undefined)
      return retrainIfDrift(ctx.positionals[0], { ...options, ifDrift: o['if-drift'], rep: o.rep });
    return retrain(ctx.positionals[0], options);
  },
});

defineMagic({
  name: 'drift',
  kind: 'line',
  description:
    "Drift of served traffic per representation: the reservoir sample a server kept for the model's\n" +
    'own version (or --served VERSION|TAG|NAME@TAG) against a seeded sample of its training rows\n' +
    '(--data, else the data it records it was trained on), both through MODEL. Per representation:\n' +
    "MMD² with a permutation test's p-value (drift when p < 0.05, or MMD² ≥ --threshold) and the\n" +
    'per-dimension KS p-value with Bonferroni correction; then a chart of MMD² over windows of arrival\n' +
    'time. Same as serve.drift(model, {served, rep}).',
  args: {
    positionals: [{ name: 'MODEL', help: 'an amalgamation in the session' }],
    flags: {
      served: { optionalValue: true, metavar: 'VERSION|TAG', help: "whose traffic (default the model's own version)" },
      rep: { choices: [...REPRESENTATIONS, 'all'], help: 'the representation (default all)' },
      data: { metavar: 'NAME', help: 'the training data (default: what the model records)' },
      threshold: { type: 'number', min: 0, metavar: 'X', help: 'drift when MMD² ≥ X instead of p < 0.05' },
      ...registry,
    },
  },
  examples: ['%drift fm', '%drift fm --served production --rep latent_low'],
  run: async (ctx) => {
    const o = ctx.options;
    const model = modelVariable(ctx, ctx.positionals[0]);
    return drift(model, {
      served: o.served === true ? undefined : o.served,
      rep: o.rep,
      data: o.data === undefined ? undefined : ((await dataVariable(ctx, o.data)) as Examples),
      threshold: o.threshold,
      registry: o.registry,
    });
  },
});
