// %load, %describe, %sql / %%sql: thin parsers over lib/data (data.load, data.loadDataset,
// data.describe, data.sql), which cells can call directly. A failing magic binds nothing, so the
// session's earlier tables stay as they were.
import { existsSync } from 'node:fs';
import { isColumnTable } from '../../lib/data/aq';
import { listDatasets, loadDataset } from '../../lib/data/datasets';
import { describe } from '../../lib/data/describe';
import { FORMATS, load, loadInfo } from '../../lib/data/loaders/index';
import { arqueroGrid, danfoGrid, gridBundle, isDanfo } from '../../lib/data/render';
import { referencedNames, sql } from '../../lib/data/sql';
import { UsageError } from '../../lib/magics/args';
import { defineMagic, type MagicContext } from '../../lib/magics/magic';
import { isVariableName, TYPES, tableVariable } from './session';

/** A table under a title line (what was loaded from where). */
function titled(title: string, value: unknown): object {
  const grid = isColumnTable(value) ? arqueroGrid(value) : isDanfo(value) ? danfoGrid(value) : undefined;
  const view = grid ? gridBundle({ ...grid, title }) : { 'text/plain': title };
  return { [Symbol.for('Jupyter.display')]: () => view };
}

function datasetNames(): string[] {
  try {
    return listDatasets().map((d) => d.name);
  } catch {
    return ['iris', 'digits', 'fashion-mnist'];
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

defineMagic({
  name: 'load',
  kind: 'line',
  description:
    'Loads SOURCE into the session variable NAME. SOURCE is a file (CSV/TSV, JSON, NDJSON, Arrow IPC,\n' +
    `Parquet, IDX; gzipped CSV and IDX too) or a shipped dataset: ${datasetNames().join(', ')}.\n` +
    'Files become arquero tables (--as danfo: a danfo DataFrame), IDX files {data, shape} typed arrays,\n' +
    'datasets a Dataset: an arquero table with its name, label, classes, split and images. Shipped\n' +
    'files are sha256-checked. Same as data.load(SOURCE, options) / data.loadDataset(SOURCE, options).',
  args: {
    positionals: [
      { name: 'NAME', help: 'the variable to bind' },
      { name: 'SOURCE', help: 'a file path or a shipped dataset name' },
    ],
    flags: {
      format: { choices: FORMATS, help: 'the file format (default: from the file name)' },
      as: { choices: ['arquero', 'danfo'], help: 'what a file becomes (default arquero)' },
      'skip-bad': {
        type: 'boolean',
        help: 'skip malformed CSV/NDJSON rows and say how many (else the first is an error naming file and line)',
      },
      delimiter: { metavar: 'D', help: 'CSV field delimiter (\\t for tabs)' },
      'no-header': { type: 'boolean', help: 'the CSV has no header row' },
      limit: { type: 'integer', min: 0, metavar: 'N', help: 'at most N rows (per split for datasets, evenly spaced)' },
      subset: {
        type: 'boolean',
        help: "fashion-mnist: the shipped 12,000-image subset even when Debian's full set is installed",
      },
    },
  },
  examples: [
    '%load iris iris',
    '%load fm fashion-mnist --limit 1000',
    '%load sales data/sales.csv --skip-bad',
    '%load df data/sales.parquet --as danfo',
  ],
  run: async (ctx) => {
    const [name, source] = ctx.positionals;
    const o = ctx.options;
    if (!isVariableName(name)) throw new UsageError('load', `${name} is not a valid variable name`);
    const known = datasetNames();
    const isDatasetName =
      !existsSync(source) && (known.includes(source.toLowerCase()) || source.toLowerCase() === 'fashion');
    if (!existsSync(source) && !isDatasetName) {
      throw new UsageError(
        'load',
        /[./\\]/.test(source)
          ? `file not found: ${source}`
          : `${source} is neither a file nor a shipped dataset (known datasets: ${known.join(', ')})`,
      );
    }
    if (isDatasetName) {
      const ds = await loadDataset(source, { limit: o.limit, subset: o.subset });
      ctx.session.set(name, ds, TYPES.dataset);
      return ds;
    }
    const value: any = await load(source, {
      format: o.format,
      as: o.as,
      limit: o.limit,
      skipBad: o['skip-bad'],
      header: o['no-header'] ? false : undefined,
      delimiter: o.delimiter?.replace(/^\\t$/, '\t'),
    });
    const info = loadInfo(value);
    if (info?.format === 'idx') {
      ctx.session.set(name, value, TYPES.idx);
      return titled(
        `${name}: IDX ${value.data.constructor.name} of shape [${value.shape.join(', ')}] from ${source}`,
        undefined,
      );
    }
    const skipped = o['skip-bad']
      ? `; skipped ${plural(info?.skipped ?? 0, 'bad line')}${info?.skipped ? ` (${info.badLines.slice(0, 10).join(', ')}${info.badLines.length > 10 ? ', …' : ''})` : ''}`
      : '';
    ctx.session.set(name, value, o.as === 'danfo' ? TYPES.danfo : TYPES.arquero);
    return titled(
      `${name}: ${o.as === 'danfo' ? 'danfo DataFrame' : 'arquero table'} from ${source} (${info?.format})${skipped}`,
      value,
    );
  },
});

defineMagic({
  name: 'describe',
  kind: 'line',
  description:
    'Profile of a table (a dataset, an arquero table or a danfo frame): per column the type, count,\n' +
    'missing, distinct, min/max/mean/std and quartiles or top values, with a small distribution; then\n' +
    'one Vega-Lite chart per column (histogram or top-value bars). Same as data.describe(table) and its .chart().',
  args: {
    positionals: [{ name: 'NAME', help: 'a table variable' }],
    flags: { 'no-chart': { type: 'boolean', help: 'the profile table only' } },
  },
  examples: ['%describe iris'],
  run: async (ctx) => {
    const table = tableVariable(ctx, ctx.positionals[0]);
    const profile = await describe(table);
    if (ctx.options['no-chart']) return profile;
    await ctx.display(profile);
    return profile.chart();
  },
});

/** The session's tables by name: the ones the query names go to DuckDB, all are offered as suggestions. */
function sessionTables(ctx: MagicContext, query: string): { tables: Record<string, unknown>; known: string[] } {
  const known = ctx.session
    .names()
    .map((n) => n.name)
    .filter((n) => isColumnTable(ctx.session.get(n)) || isDanfo(ctx.session.get(n)));
  const tables: Record<string, unknown> = {};
  for (const name of referencedNames(query)) if (known.includes(name)) tables[name] = ctx.session.get(name);
  return { tables, known };
}

async function runSql(ctx: MagicContext, query: string, out: string | undefined) {
  if (!query.trim()) throw new UsageError(ctx.name, 'expects a query');
  if (out !== undefined && !isVariableName(out)) throw new UsageError(ctx.name, `${out} is not a valid variable name`);
  const result = await sql(query, sessionTables(ctx, query));
  if (out) ctx.session.set(out, result, TYPES.arquero);
  return result;
}

const SQL_HELP =
  'DuckDB (embedded, in-process) over files and session tables; the result is an arquero table.\n' +
  'Session tables (datasets, arquero tables, danfo frames) are visible by their variable names; files\n' +
  "are tables too: 'data/*.csv', read_parquet('big.parquet'). DuckDB streams files and spills to disk,\n" +
  'so inputs larger than memory work as long as the result fits. Same as data.sql(query, {tables}).';
const out = { out: { metavar: 'NAME', help: 'also bind the result to NAME' } } as const;

defineMagic({
  name: 'sql',
  kind: 'line',
  description: SQL_HELP,
  args: { flags: out, rest: { name: 'QUERY', help: 'SQL (flags are read only before it)' } },
  examples: [
    '%sql select species, avg(petal_length) from iris group by species',
    "%sql --out big select * from 'logs/*.csv' where status >= 500",
  ],
  run: (ctx) => runSql(ctx, ctx.rest, ctx.options.out),
});

defineMagic({
  name: 'sql',
  kind: 'cell',
  description: `${SQL_HELP}\nThe query is the cell body.`,
  args: { positionals: [{ name: 'NAME', optional: true, help: 'the same as --out NAME' }], flags: out },
  examples: [
    '%%sql --out by_species\nselect species, count(*) n, avg(sepal_length) sepal\nfrom iris group by species order by n desc',
  ],
  run: (ctx) => runSql(ctx, ctx.body, ctx.options.out ?? ctx.positionals[0]),
});
