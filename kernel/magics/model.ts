// %train, %evaluate, %freeze, %unfreeze: thin parsers over lib/train and the Amalgamation methods,
// which cells can call directly (train.fit(model, data, options), model.freeze('bottom')).
import { display } from '../../lib/display/output';
import { tableBundle } from '../../lib/display/table';
import { InterruptedError } from '../../lib/interrupt';
import { UsageError } from '../../lib/magics/args';
import { defineMagic } from '../../lib/magics/magic';
import type { TrainData } from '../../lib/train/data';
import { evaluate } from '../../lib/train/evaluate';
import { type FitOptions, fit } from '../../lib/train/fit';
import type { Schedule } from '../../lib/train/schedule';
import { confusionMatrix } from '../../lib/viz/confusion';
import { dataVariable, modelVariable } from './session';

const SCHEDULES = ['constant', 'cosine', 'step', 'exponential', 'plateau'] as const;

function schedule(kind: (typeof SCHEDULES)[number] | undefined, epochs: number): Schedule | undefined {
  if (kind === 'step') return { kind: 'step', every: Math.max(1, Math.floor(epochs / 3)), factor: 0.3 };
  if (kind === 'exponential') return { kind: 'exponential', rate: 0.9 };
  return kind ? ({ kind } as Schedule) : undefined;
}

function weights(items: string[] | undefined, magic: string): Record<string, number> | undefined {
  if (!items) return undefined;
  return Object.fromEntries(
    items.map((item) => {
      const [head, w] = item.split('=');
      const n = Number(w);
      if (!head || w === undefined || !Number.isFinite(n) || n < 0)
        throw new UsageError(magic, `--weights expects head=weight pairs (weight ≥ 0), got "${item}"`);
      return [head, n];
    }),
  );
}

function metricsTable(metrics: Record<string, Record<string, number>>, title: string) {
  const names = [...new Set(Object.values(metrics).flatMap((m) => Object.keys(m)))];
  const view = tableBundle({
    title,
    columns: ['head', ...names],
    rows: Object.entries(metrics).map(([h, m]) => [
      h,
      ...names.map((n) => (m[n] === undefined ? '' : Number(m[n].toFixed(4)))),
    ]),
  });
  return { [Symbol.for('Jupyter.display')]: () => view };
}

const dataFlag = {
  data: { required: true, metavar: 'NAME', help: 'a session variable (dataset, table, {x, y}) or a shipped dataset' },
} as const;
const modelArg = [{ name: 'MODEL', help: 'an amalgamation in the session' }] as const;

defineMagic({
  name: 'train',
  kind: 'line',
  description:
    'Trains an amalgamation, every head with weight > 0 at once: total loss = Σ weight · loss(head). One\n' +
    'progress line (samples/s, ETA, loss per head) and a loss chart, updated in place. Holds out --val of\n' +
    "the rows for validation and keeps the best epoch's weights (restored at the end, after --patience\n" +
    'epochs without improvement, or on interrupt). Seeded by %seed. Datasets train on their train split.\n' +
    'Same as train.fit(model, data, options).',
  args: {
    positionals: modelArg,
    flags: {
      ...dataFlag,
      epochs: { type: 'integer', min: 1, metavar: 'N', help: 'epochs (default 10)' },
      batch: { type: 'integer', min: 1, metavar: 'B', help: 'batch size (default 64)' },
      lr: { type: 'number', metavar: 'X', help: 'learning rate (default 0.001)' },
      weights: { type: 'list', metavar: 'head=w,...', help: 'loss weight per head, overriding the config' },
      heads: { type: 'list', metavar: 'a,b', help: 'only these heads (freeze the rest first to keep them)' },
      val: { type: 'number', metavar: 'F', help: 'fraction held out for validation (default 0.1)' },
      patience: { type: 'integer', min: 1, metavar: 'P', help: 'stop after P epochs without improvement' },
      schedule: { choices: SCHEDULES, help: 'learning-rate schedule' },
      optimizer: { choices: ['adam', 'sgd', 'rmsprop'], help: 'default adam' },
      limit: { type: 'integer', min: 1, metavar: 'N', help: 'train on at most N rows (evenly spaced)' },
      split: { metavar: 'S', help: "the split to train on (default 'train' where there is one)" },
      quiet: { type: 'boolean', help: 'no live progress line or chart' },
    },
  },
  examples: [
    '%train fm --data fashion-mnist --epochs 3',
    '%train fm --data fashion-mnist --weights label=1,recon=0.2 --schedule cosine',
    '%train fm --data fashion-mnist --heads coarse',
  ],
  run: async (ctx) => {
    const o = ctx.options;
    const name = ctx.positionals[0];
    const model = modelVariable(ctx, name);
    const data = (await dataVariable(ctx, o.data!)) as TrainData;
    const epochs = o.epochs ?? 10;
    const options: FitOptions = {
      epochs,
      batchSize: o.batch,
      lr: o.lr,
      weights: weights(o.weights, 'train'),
      heads: o.heads,
      validationSplit: o.val,
      patience: o.patience,
      schedule: schedule(o.schedule, epochs),
      optimizer: o.optimizer,
      limit: o.limit,
      split: o.split,
      live: !o.quiet,
      signal: ctx.signal,
    };
    const result = await fit(model, data, options);
    if (result.stopped === 'interrupted') {
      // The model keeps its best weights; the cell still ends as interrupted, so run-all stops here.
      await display(
        metricsTable(
          result.metrics,
          `${name}: interrupted after ${result.epochs} epoch${result.epochs === 1 ? '' : 's'}; best epoch ${result.bestEpoch ?? '—'} restored`,
        ),
      );
      throw new InterruptedError();
    }
    const how = result.stopped === 'early-stopping' ? ', stopped early' : '';
    return metricsTable(
      result.metrics,
      `${name}: ${result.epochs} epoch${result.epochs === 1 ? '' : 's'}${how} in ${result.seconds.toFixed(1)} s, ${Math.round(result.samplesPerSec).toLocaleString('en')} samples/s; best epoch ${result.bestEpoch ?? '—'} (validation)`,
    );
  },
});

defineMagic({
  name: 'evaluate',
  kind: 'line',
  description:
    "Loss and metric of each head on held-out data (the 'test' split by default), plus a confusion matrix\n" +
    'with per-class precision and recall for every classify head. Same as train.evaluate(model, data).',
  args: {
    positionals: modelArg,
    flags: {
      ...dataFlag,
      split: { metavar: 'S', help: "the split to evaluate (default 'test' where there is one)" },
      heads: { type: 'list', metavar: 'a,b', help: 'only these heads' },
      limit: { type: 'integer', min: 1, metavar: 'N', help: 'at most N rows (evenly spaced)' },
    },
  },
  examples: ['%evaluate fm --data fashion-mnist'],
  run: async (ctx) => {
    const o = ctx.options;
    const name = ctx.positionals[0];
    const model = modelVariable(ctx, name);
    const data = (await dataVariable(ctx, o.data!)) as TrainData;
    const ev = evaluate(model, data, { split: o.split, heads: o.heads, limit: o.limit });
    for (const [head, c] of Object.entries(ev.classes)) {
      await display(
        confusionMatrix(Array.from(c.truth), Array.from(c.pred), {
          classes: c.names,
          title: `${head}: confusion matrix`,
        }),
      );
    }
    return metricsTable(ev.metrics, `${name} on ${ev.n.toLocaleString('en')} rows`);
  },
});

for (const verb of ['freeze', 'unfreeze'] as const) {
  defineMagic({
    name: verb,
    kind: 'line',
    description:
      `${verb === 'freeze' ? 'Freezes' : 'Unfreezes'} components of an amalgamation: bottom, each representation\n` +
      "(latent_high, latent_low, logits, probs; 'representations' for the four) or heads by name (all when\n" +
      `none is named). Frozen weights, batch-norm statistics included, do not change in training.\nSame as model.${verb}('bottom', ...).`,
    args: {
      positionals: [...modelArg, { name: 'COMPONENT', variadic: true, help: 'components by name (default: all)' }],
    },
    examples: [`%${verb} fm bottom latent_high`],
    run: (ctx) => {
      const [name, ...components] = ctx.positionals;
      const model = modelVariable(ctx, name);
      model[verb](...components);
      return model;
    },
  });
}
