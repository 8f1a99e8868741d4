// %plot and %latent: thin parsers over lib/viz (viz.plot, viz.latent), which cells can call directly.
import { UsageError } from '../../lib/magics/args';
import { defineMagic } from '../../lib/magics/magic';
import { served } from '../../lib/serve/served';
import { COLOR_BY, type LatentInput, type LatentModel, latent, REPRESENTATIONS } from '../../lib/viz/latent';
import { PLOT_KINDS, plot } from '../../lib/viz/plot';
import { METHODS } from '../../lib/viz/project';
import { isTableLike } from '../../lib/viz/table';
import { dataVariable, sessionValue } from './session';

defineMagic({
  name: 'plot',
  kind: 'line',
  description:
    'Quick Vega-Lite chart of a table in the session (a dataset, an arquero table, a danfo DataFrame or\n' +
    'an array of records). Default kind: scatter with Y, histogram without. Large tables are sampled\n' +
    '(scatter, seeded) or binned (histogram, heatmap) in the kernel with a note on the chart, never\n' +
    'refused. Same as viz.plot(table, x, y, options).',
  args: {
    positionals: [
      { name: 'TABLE', help: 'a table variable' },
      { name: 'X', help: 'the x column' },
      { name: 'Y', optional: true, help: 'the y column' },
    ],
    flags: {
      color: { metavar: 'C', help: 'a column to colour by' },
      kind: { choices: PLOT_KINDS, help: 'the chart' },
      title: { metavar: 'T', help: 'the chart title' },
      max: { type: 'integer', min: 1, metavar: 'N', help: 'most rows sent to the frontend (default 5,000)' },
    },
  },
  examples: ['%plot iris sepal_length petal_length --color species', '%plot fashion label --kind bar'],
  run: (ctx) => {
    const [tableName, x, y] = ctx.positionals;
    let table = sessionValue(ctx, tableName, 'table', isTableLike) as any;
    if (!isTableLike(table) && isTableLike(table?.table)) table = table.table; // {table, images} objects
    if (!isTableLike(table))
      throw new UsageError(
        'plot',
        `${tableName} is not a table (a dataset, arquero, danfo DataFrame or array of records)`,
      );
    const o = ctx.options;
    return plot(table, x, y, {
      kind: o.kind ?? (y ? 'scatter' : 'histogram'),
      color: o.color,
      title: o.title,
      maxRows: o.max,
    });
  },
});

defineMagic({
  name: 'latent',
  kind: 'line',
  description:
    'Projects a representation of N samples (stratified by label, seeded by %seed) to 2-D and shows an\n' +
    'interactive scatter: colour by true label, predicted class or correctness; tooltips with label,\n' +
    'prediction, confidence and, for image data, the image. --rep all shows the four representations\n' +
    'side by side for the same points; brushing in one view highlights the points in all. Rows of the\n' +
    "test split are used when there is one. PCA runs on tfjs; UMAP is umap-js's graph with a faster\n" +
    "layout loop; t-SNE is amalgam's Barnes-Hut. --served adds the traffic a server kept for the model's\n" +
    'own version (or VERSION, TAG, NAME@TAG): the projection is fitted on the training rows and the\n' +
    "served rows placed in it (PCA's transform; nearest training rows for UMAP and t-SNE), crosses\n" +
    'coloured by source (or --color time, pred, label: feedback labels where clients sent them).\n' +
    'Same as viz.latent(model, data, { served: await serve.served({ model }) }).',
  args: {
    positionals: [{ name: 'MODEL', help: 'an amalgamation in the session' }],
    flags: {
      data: {
        required: true,
        metavar: 'NAME',
        help: 'a session variable (dataset, table, {x, y}) or a shipped dataset',
      },
      rep: { choices: [...REPRESENTATIONS, 'all'], help: 'the representation (default latent_low)' },
      method: { choices: METHODS, help: 'the projection (default pca)' },
      color: { choices: COLOR_BY, help: 'what colours the points (default label)' },
      n: { type: 'integer', min: 2, metavar: 'N', help: 'points shown (default 2,000)' },
      split: { metavar: 'S', help: "the split to draw from (default 'test' where there is one)" },
      quality: { type: 'boolean', help: "each layout's trustworthiness (k = 5) in its title" },
      'no-thumbnails': { type: 'boolean', help: 'no image thumbnails in tooltips' },
      served: {
        optionalValue: true,
        metavar: 'VERSION|TAG',
        help: "served traffic of the model's version (or this one) in the same space",
      },
      registry: {
        metavar: 'DIR',
        help: 'the registry the server writes to (default $AMALGAM_REGISTRY or .amalgam/registry)',
      },
    },
  },
  examples: [
    '%latent fm --data fashion --rep all',
    '%latent fm --data fashion --rep latent_low --method umap --color correct --n 1000',
    '%latent fm --data fashion --rep all --served production',
  ],
  run: async (ctx) => {
    const name = ctx.positionals[0];
    const model = sessionValue(ctx, name, 'model') as LatentModel;
    if (typeof (model as any)?.predict !== 'function')
      throw new UsageError('latent', `${name} has no predict(x, {outputs}) (expected an amalgamation)`);
    const o = ctx.options;
    const data = (await dataVariable(ctx, o.data!)) as LatentInput;
    const sample =
      o.served === undefined
        ? undefined
        : await served({
            model: model as { version?: string },
            served: o.served === true ? undefined : o.served,
            registry: o.registry,
          });
    return latent(model, data, {
      served: sample,
      rep: o.rep,
      method: o.method,
      color: o.color,
      n: o.n,
      split: o.split,
      quality: o.quality,
      thumbnails: o['no-thumbnails'] ? false : undefined,
      signal: ctx.signal,
    });
  },
});
