// %train, %evaluate, %freeze, %unfreeze: thin parsers over lib/train and the Amalgamation methods,
// which cells can call directly (train.fit(model, data, options), model.freeze('bottom')).
import { escapeHtml } from '../../lib/display/bundle';
import { loadDataset } from '../../lib/data/datasets';
import { numberFlag, UsageError } from '../../lib/magics/args';
import { type MagicContext, registerMagic } from '../../lib/magics/registry';
import { Amalgamation } from '../../lib/model/amalgamation';
import { evaluate } from '../../lib/train/evaluate';
import { fit, type FitOptions } from '../../lib/train/fit';
import type { TrainData } from '../../lib/train/data';
import type { Schedule } from '../../lib/train/schedule';
import { confusionMatrix } from '../../lib/viz/confusion';
import { display } from '../../lib/display/output';
import { InterruptedError } from '../../lib/interrupt';

/** The amalgamation held by a session variable, or a usage error naming what the session holds. */
export function modelVariable(ctx: MagicContext, name: string | undefined, usage: string): Amalgamation {
  if (!name) throw new UsageError(ctx.name, `expects a model: ${usage}`);
  if (!ctx.session.has(name)) {
    const names = ctx.session
      .names()
      .filter((n) => ctx.session.get(n.name) instanceof Amalgamation)
      .map((n) => n.name);
    throw new UsageError(
      ctx.name,
      `no model ${name} in this session (${names.length ? `amalgamations: ${names.join(', ')}` : 'no amalgamations defined yet: const m = amalgamate({...})'})`,
    );
  }
  const model = ctx.session.get(name);
  if (!(model instanceof Amalgamation))
    throw new UsageError(ctx.name, `${name} is not an amalgamation (build one with amalgamate({...}))`);
  return model;
}

/** --data: a session variable (dataset, table, {x, y}) or a shipped dataset by name. */
async function dataFlag(ctx: MagicContext): Promise<TrainData> {
  const name = ctx.args.flags.data;
  if (!name || name === true)
    throw new UsageError(ctx.name, 'expects --data NAME (a session variable or a shipped dataset)');
  if (ctx.session.has(name)) return ctx.session.get(name) as TrainData;
  try {
    return await loadDataset(name);
  } catch (e) {
    throw new UsageError(ctx.name, `--data ${name}: no session variable of that name, and ${(e as Error).message}`);
  }
}

function listFlag(ctx: MagicContext, flag: string): string[] | undefined {
  const v = ctx.args.flags[flag];
  if (v === undefined) return undefined;
  if (v === true) throw new UsageError(ctx.name, `--${flag} expects a comma-separated list`);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function weightsFlag(ctx: MagicContext): Record<string, number> | undefined {
  const items = listFlag(ctx, 'weights');
  if (!items) return undefined;
  return Object.fromEntries(
    items.map((item) => {
      const [head, w] = item.split('=');
      const n = Number(w);
      if (!head || w === undefined || !Number.isFinite(n) || n < 0)
        throw new UsageError(ctx.name, `--weights expects head=weight pairs (weight ≥ 0), got "${item}"`);
      return [head, n];
    }),
  );
}

const SCHEDULES = ['constant', 'cosine', 'step', 'exponential', 'plateau'];

function scheduleFlag(ctx: MagicContext, epochs: number): Schedule | undefined {
  const v = ctx.args.flags.schedule;
  if (v === undefined) return undefined;
  if (v === true || !SCHEDULES.includes(v))
    throw new UsageError(
      ctx.name,
      `--schedule expects one of ${SCHEDULES.join(', ')}, got ${v === true ? 'nothing' : v}`,
    );
  if (v === 'step') return { kind: 'step', every: Math.max(1, Math.floor(epochs / 3)), factor: 0.3 };
  if (v === 'exponential') return { kind: 'exponential', rate: 0.9 };
  return { kind: v } as Schedule;
}

function metricsTable(metrics: Record<string, Record<string, number>>, title: string) {
  const names = [...new Set(Object.values(metrics).flatMap((m) => Object.keys(m)))];
  const rows = Object.entries(metrics);
  const cell = (v: number | undefined) => (v === undefined ? '' : v.toFixed(4));
  const html = `<b>${escapeHtml(title)}</b><table><thead><tr><th>head</th>${names.map((n) => `<th>${n}</th>`).join('')}</tr></thead><tbody>${rows
    .map(([h, m]) => `<tr><td>${escapeHtml(h)}</td>${names.map((n) => `<td>${cell(m[n])}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const text = [
    title,
    ...rows.map(([h, m]) => `${h.padEnd(12)} ${names.map((n) => `${n} ${cell(m[n])}`).join('  ')}`),
  ].join('\n');
  return { [Symbol.for('Jupyter.display')]: () => ({ 'text/html': html, 'text/plain': text }) };
}

registerMagic({
  name: 'train',
  kind: 'line',
  help: `%train MODEL --data NAME [--epochs N] [--batch B] [--lr X] [--weights head=w,...] [--heads a,b]
       [--val F] [--patience P] [--schedule ${SCHEDULES.join('|')}] [--optimizer adam|sgd|rmsprop]
       [--limit N] [--split S] [--quiet]

Trains an amalgamation on a dataset (a session variable or a shipped dataset by name), every head
with weight > 0 at once: total loss = Σ weight · loss(head). One progress line per epoch (samples/s,
ETA, loss per head) and a loss chart, updated in place. Holds out --val (default 0.1) of the rows
for validation, keeps the best epoch's weights (restored at the end, after --patience epochs without
improvement, or on interrupt). Seeded by %seed. Defaults: 10 epochs, batch 64, lr 0.001, adam,
the 'train' split of datasets that have one. Same as train.fit(model, data, options).

  %train fm --data fashion-mnist --epochs 3
  %train fm --data fashion-mnist --weights label=1,recon=0.2 --schedule cosine
  %train fm --data fashion-mnist --heads coarse     (only that head; freeze the rest first to keep it)`,
  booleans: ['quiet'],
  run: async (ctx) => {
    const name = ctx.args._[0];
    const model = modelVariable(ctx, name, '%train MODEL --data NAME');
    const data = await dataFlag(ctx);
    const epochs = numberFlag(ctx.args, 'epochs', 'train', 10)!;
    const options: FitOptions = {
      epochs,
      batchSize: numberFlag(ctx.args, 'batch', 'train'),
      lr: numberFlag(ctx.args, 'lr', 'train'),
      weights: weightsFlag(ctx),
      heads: listFlag(ctx, 'heads'),
      validationSplit: numberFlag(ctx.args, 'val', 'train'),
      patience: numberFlag(ctx.args, 'patience', 'train'),
      schedule: scheduleFlag(ctx, epochs),
      optimizer: ctx.args.flags.optimizer as FitOptions['optimizer'],
      limit: numberFlag(ctx.args, 'limit', 'train'),
      split: typeof ctx.args.flags.split === 'string' ? ctx.args.flags.split : undefined,
      live: !ctx.args.flags.quiet,
      signal: ctx.signal,
    };
    let result;
    try {
      result = await fit(model, data, options);
    } catch (e) {
      throw new UsageError('train', `${name}: ${(e as Error).message}`);
    }
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
    const how =
      result.stopped === 'completed' ? '' : result.stopped === 'early-stopping' ? ', stopped early' : ', interrupted';
    return metricsTable(
      result.metrics,
      `${name}: ${result.epochs} epoch${result.epochs === 1 ? '' : 's'}${how} in ${result.seconds.toFixed(1)} s, ${Math.round(result.samplesPerSec).toLocaleString('en')} samples/s; best epoch ${result.bestEpoch ?? '—'} (validation)`,
    );
  },
});

registerMagic({
  name: 'evaluate',
  kind: 'line',
  help: `%evaluate MODEL --data NAME [--split S] [--heads a,b] [--limit N]

Loss and metric of each head on held-out data (the 'test' split by default), plus a confusion matrix
with per-class precision and recall for every classify head. Same as train.evaluate(model, data).

  %evaluate fm --data fashion-mnist`,
  run: async (ctx) => {
    const name = ctx.args._[0];
    const model = modelVariable(ctx, name, '%evaluate MODEL --data NAME');
    const data = await dataFlag(ctx);
    let ev;
    try {
      ev = evaluate(model, data, {
        split: typeof ctx.args.flags.split === 'string' ? ctx.args.flags.split : undefined,
        heads: listFlag(ctx, 'heads'),
        limit: numberFlag(ctx.args, 'limit', 'evaluate'),
      });
    } catch (e) {
      throw new UsageError('evaluate', `${name}: ${(e as Error).message}`);
    }
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
  registerMagic({
    name: verb,
    kind: 'line',
    help: `%${verb} MODEL [COMPONENT ...]

${verb === 'freeze' ? 'Freezes' : 'Unfreezes'} components of an amalgamation: bottom, representations, or heads by name
(all when none is named). Frozen weights, batch-norm statistics included, do not change in training.
Same as model.${verb}('bottom', ...).

  %${verb} fm bottom representations`,
    run: (ctx) => {
      const model = modelVariable(ctx, ctx.args._[0], `%${verb} MODEL [COMPONENT ...]`);
      try {
        model[verb](...ctx.args._.slice(1));
      } catch (e) {
        throw new UsageError(verb, (e as Error).message);
      }
      return model;
    },
  });
}
