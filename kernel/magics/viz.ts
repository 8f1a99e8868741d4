// %plot and %latent: thin parsers over lib/viz (viz.plot, viz.latent), which cells can call directly.
import { numberFlag, UsageError } from '../../lib/magics/args';
import { type MagicContext, registerMagic } from '../../lib/magics/registry';
import { COLOR_BY, latent, type LatentData, type LatentModel, REPRESENTATIONS } from '../../lib/viz/latent';
import { plot, PLOT_KINDS, type PlotKind } from '../../lib/viz/plot';
import { METHODS, type ProjectionMethod } from '../../lib/viz/project';
import { isTableLike } from '../../lib/viz/table';

/** A session variable, or a usage error listing what the session holds. */
function variable(ctx: MagicContext, name: string | undefined, what: string): unknown {
  if (!name) throw new UsageError(ctx.name, `expects ${what}`);
  if (!ctx.session.has(name)) {
    const names = ctx.session.names().map((n) => n.name);
    throw new UsageError(
      ctx.name,
      `no variable ${name} in this session${names.length ? ` (defined: ${names.slice(0, 12).join(', ')})` : ''}`,
    );
  }
  return ctx.session.get(name);
}

function oneOf<T extends string>(ctx: MagicContext, flag: string, allowed: readonly T[], fallback: T): T {
  const v = ctx.args.flags[flag];
  if (v === undefined) return fallback;
  if (v === true || !allowed.includes(v as T))
    throw new UsageError(ctx.name, `--${flag} expects one of ${allowed.join(', ')}, got ${v === true ? 'nothing' : v}`);
  return v as T;
}

function stringFlag(ctx: MagicContext, flag: string): string | undefined {
  const v = ctx.args.flags[flag];
  if (v === true) throw new UsageError(ctx.name, `--${flag} expects a value`);
  return v;
}

registerMagic({
  name: 'plot',
  kind: 'line',
  help: `%plot TABLE X [Y] [--color C] [--kind ${PLOT_KINDS.join('|')}] [--title T] [--max N]

Quick Vega-Lite chart of a table in the session (arquero table, danfo DataFrame, array of records,
or a dataset: its table). Default kind: scatter with Y, histogram without. Large tables are sampled
(scatter, seeded) or binned (histogram, heatmap) in the kernel with a note on the chart, never
refused; --max sets the most rows sent (default 5,000). Same as viz.plot(table, x, y, options).

  %plot iris sepal_length petal_length --color species
  %plot fashion label --kind bar      (a dataset: plots its table)`,
  run: (ctx) => {
    const [tableName, x, y] = ctx.args._;
    let table = variable(ctx, tableName, 'a table variable: %plot TABLE X [Y]') as any;
    if (!isTableLike(table) && isTableLike(table?.table)) table = table.table;
    if (!isTableLike(table))
      throw new UsageError('plot', `${tableName} is not a table (arquero, danfo DataFrame or array of records)`);
    if (!x) throw new UsageError('plot', 'expects a column: %plot TABLE X [Y]');
    const kind = oneOf<PlotKind>(ctx, 'kind', PLOT_KINDS, y ? 'scatter' : 'histogram');
    try {
      return plot(table, x, y, {
        kind,
        color: stringFlag(ctx, 'color'),
        title: stringFlag(ctx, 'title'),
        maxRows: numberFlag(ctx.args, 'max', 'plot'),
      });
    } catch (e) {
      throw new UsageError('plot', (e as Error).message.replace(/^\w+: /, ''));
    }
  },
});

/** --data: a session variable (Dataset, {table, images}, table) or a shipped dataset by name. */
async function resolveData(ctx: MagicContext, name: string): Promise<LatentData> {
  if (ctx.session.has(name)) {
    const v = ctx.session.get(name) as any;
    if (v && (v.images || v.x || v.table)) return v as LatentData;
    if (isTableLike(v)) return { name, table: v };
    throw new UsageError(
      'latent',
      `${name} is not a dataset (expected loadDataset's result, or {table, images} / {x, table})`,
    );
  }
  let load: ((n: string) => Promise<LatentData> | LatentData) | undefined;
  for (const path of ['../../lib/data/datasets', '../../lib/data/index']) {
    try {
      load ??= require(path).loadDataset;
    } catch {
      /* the data module may not provide it */
    }
  }
  if (!load)
    throw new UsageError(
      'latent',
      `no variable ${name} in the session, and shipped datasets are unavailable (lib/data has no loadDataset)`,
    );
  try {
    return await load(name);
  } catch (e) {
    throw new UsageError(
      'latent',
      `--data ${name}: not a session variable, and loadDataset failed: ${(e as Error).message}`,
    );
  }
}

registerMagic({
  name: 'latent',
  kind: 'line',
  help: `%latent MODEL --data NAME [--rep ${REPRESENTATIONS.join('|')}|all] [--method ${METHODS.join('|')}] [--color ${COLOR_BY.join('|')}] [--n N] [--split S] [--quality] [--no-thumbnails]

Projects a representation of N samples (default 2,000, stratified by label, seeded by %seed) to 2-D
and shows an interactive scatter: colour by true label, predicted class or correctness; tooltips
with label, prediction, confidence and, for image data, the image. --rep all shows the four
representations side by side for the same points; brushing in one view highlights the points in
all. --data is a session variable (a dataset, or {x, table}) or a shipped dataset name; rows of the
test split are used when there is one (--split to choose). --quality adds each layout's
trustworthiness (k = 5). PCA runs on tfjs; UMAP is umap-js's graph with a faster layout loop;
t-SNE is amalgam's Barnes-Hut. Same as viz.latent(model, data, options).

  %latent fm --data fashion --rep all
  %latent fm --data fashion --rep latent_low --method umap --color correct --n 1000`,
  booleans: ['quality', 'no-thumbnails'],
  run: async (ctx) => {
    const modelName = ctx.args._[0];
    const model = variable(ctx, modelName, 'a model: %latent MODEL --data NAME') as LatentModel;
    if (typeof (model as any)?.predict !== 'function')
      throw new UsageError('latent', `${modelName} has no predict(x, {outputs}) (expected an amalgamation)`);
    const dataName = stringFlag(ctx, 'data');
    if (!dataName) throw new UsageError('latent', 'expects --data NAME (a session variable or a shipped dataset)');
    const rep = oneOf(ctx, 'rep', [...REPRESENTATIONS, 'all'] as const, 'latent_low');
    const method = oneOf<ProjectionMethod>(ctx, 'method', METHODS, 'pca');
    const color = oneOf(ctx, 'color', COLOR_BY, 'label');
    const n = numberFlag(ctx.args, 'n', 'latent', 2000)!;
    if (!Number.isInteger(n) || n < 2) throw new UsageError('latent', `--n expects an integer ≥ 2, got ${n}`);
    const found = await resolveData(ctx, dataName);
    const data = found.name ? found : { ...found, name: dataName };
    try {
      return await latent(model, data, {
        rep,
        method,
        color,
        n,
        split: stringFlag(ctx, 'split'),
        quality: ctx.args.flags.quality === true,
        thumbnails: ctx.args.flags['no-thumbnails'] === true ? false : undefined,
        signal: ctx.signal,
      });
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      throw new UsageError('latent', (e as Error).message.replace(/^latent: /, ''));
    }
  },
});
