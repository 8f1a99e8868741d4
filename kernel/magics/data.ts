// %load, %describe, %sql / %%sql: thin parsers over lib/data (data.load, data.loadDataset,
// data.describe, data.sql), which cells can call directly. A failing magic binds nothing, so the
// session's earlier tables stay as they were.
import { existsSync } from 'node:fs';
import { DISPLAY_SYMBOL, escapeHtml } from '../../lib/display/bundle';
import { numberFlag, UsageError } from '../../lib/magics/args';
import { type MagicContext, registerMagic } from '../../lib/magics/registry';
import { isColumnTable } from '../../lib/data/aq';
import { type Dataset, listDatasets, loadDataset } from '../../lib/data/datasets';
import { describe } from '../../lib/data/describe';
import { FORMATS, type Format, load, loadInfo } from '../../lib/data/loaders/index';
import { arqueroGrid, danfoGrid, gridHtml, gridText, isDanfo, shapeText } from '../../lib/data/render';
import { referencedNames, sql } from '../../lib/data/sql';

const TYPES = {
  arquero: "import('arquero').ColumnTable",
  danfo: "import('danfojs-node').DataFrame",
  dataset: "import('amalgam').data.Dataset",
  idx: "import('amalgam').data.IdxArray",
};

/** Rethrows a library error as the magic's usage error (the message already names file, line, column). */
async function wrap<T>(magic: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(magic, (e as Error).message);
  }
}

function stringFlag(ctx: MagicContext, flag: string): string | undefined {
  const v = ctx.args.flags[flag];
  if (v === true) throw new UsageError(ctx.name, `--${flag} expects a value`);
  return v;
}

const validName = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name);

/** A one-line summary over a table preview. */
function summary(title: string, value: unknown): object {
  const grid = isColumnTable(value) ? arqueroGrid(value) : isDanfo(value) ? danfoGrid(value) : undefined;
  return {
    [DISPLAY_SYMBOL]: () => ({
      'text/html': `<p>${escapeHtml(title)}</p>${grid ? gridHtml(grid) : ''}`,
      'text/plain': `${title}${grid ? `\n${gridText(grid)}` : ''}`,
    }),
  };
}

registerMagic({
  name: 'load',
  kind: 'line',
  booleans: ['skip-bad', 'no-header', 'subset'],
  help: `%load NAME SOURCE [--format ${FORMATS.join('|')}] [--as arquero|danfo] [--skip-bad] [--delimiter D] [--no-header] [--limit N] [--subset]

Loads SOURCE into the session variable NAME. SOURCE is a file (CSV/TSV, JSON, NDJSON, Arrow IPC,
Parquet, IDX; gzipped CSV and IDX too) or a shipped dataset: ${listDatasetsText()}.
Files become arquero tables (--as danfo: a danfo DataFrame), IDX files {data, shape} typed arrays,
datasets a Dataset ({table, images, label, classes, splitColumn}). Shipped files are sha256-checked.
--skip-bad skips malformed CSV/NDJSON rows and reports how many; without it the first one is an
error naming the file, line and what was expected. --subset: Fashion-MNIST's shipped 12,000-image
subset even when the full Debian set is installed. Same as data.load(SOURCE, options) /
data.loadDataset(SOURCE).

  %load iris iris
  %load fm fashion-mnist --limit 1000
  %load sales data/sales.csv --skip-bad
  %load df data/sales.parquet --as danfo`,
  run: async (ctx) => {
    const [name, source, extra] = ctx.args._;
    if (!name || !source) throw new UsageError('load', 'expects NAME SOURCE, e.g. %load iris iris or %load t data.csv');
    if (extra !== undefined) throw new UsageError('load', `unexpected argument ${extra} (quote paths with spaces)`);
    if (!validName(name)) throw new UsageError('load', `${name} is not a valid variable name`);
    const as = stringFlag(ctx, 'as') ?? 'arquero';
    if (as !== 'arquero' && as !== 'danfo') throw new UsageError('load', `--as expects arquero or danfo, got ${as}`);
    const format = stringFlag(ctx, 'format') as Format | undefined;
    if (format && !FORMATS.includes(format))
      throw new UsageError('load', `--format expects one of ${FORMATS.join(', ')}, got ${format}`);
    const limit = numberFlag(ctx.args, 'limit', 'load');
    const known = listDatasets().map((d) => d.name);
    const isDatasetName =
      !existsSync(source) && (known.includes(source.toLowerCase()) || source.toLowerCase() === 'fashion');
    if (!existsSync(source) && !isDatasetName) {
      const looksLikeFile = /[./\\]/.test(source);
      throw new UsageError(
        'load',
        looksLikeFile
          ? `file not found: ${source}`
          : `${source} is neither a file nor a shipped dataset (known datasets: ${known.join(', ')})`,
      );
    }
    if (isDatasetName) {
      const ds: Dataset = await wrap('load', () =>
        loadDataset(source, { limit, subset: ctx.args.flags.subset === true }),
      );
      ctx.session.set(name, ds, TYPES.dataset);
      const imgs = ds.images ? `, images ${ds.images.shape.slice(1).join('×')}` : '';
      return summary(
        `${name}: dataset ${ds.name} (${ds.source === 'system' ? ds.files[0].replace(/\/[^/]*$/, '') : 'shipped, sha256-checked'}), ${shapeText({ rows: ds.table.numRows(), columns: ds.table.columnNames() })}${imgs}`,
        ds.table,
      );
    }
    const value: any = await wrap(
      'load',
      () =>
        load(source, {
          format,
          as,
          limit,
          skipBad: ctx.args.flags['skip-bad'] === true,
          header: ctx.args.flags['no-header'] === true ? false : undefined,
          delimiter: stringFlag(ctx, 'delimiter')?.replace(/^\\t$/, '\t'),
        }) as Promise<any>,
    );
    const info = loadInfo(value);
    const skipped = info?.skipped
      ? `; skipped ${info.skipped} bad line${info.skipped === 1 ? '' : 's'} (${info.badLines.slice(0, 10).join(', ')}${info.badLines.length > 10 ? ', …' : ''})`
      : '';
    if (info?.format === 'idx') {
      ctx.session.set(name, value, TYPES.idx);
      return summary(
        `${name}: IDX ${value.data.constructor.name} of shape [${value.shape.join(', ')}] from ${source}`,
        undefined,
      );
    }
    ctx.session.set(name, value, as === 'danfo' ? TYPES.danfo : TYPES.arquero);
    return summary(
      `${name}: ${as === 'danfo' ? 'danfo DataFrame' : 'arquero table'} from ${source} (${info?.format})${skipped}`,
      value,
    );
  },
});

function listDatasetsText(): string {
  try {
    return listDatasets()
      .map((d) => d.name)
      .join(', ');
  } catch {
    return 'iris, digits, fashion-mnist';
  }
}

/** A table-like session value: arquero table, danfo frame, or a Dataset's table. */
function tableVariable(ctx: MagicContext, name: string | undefined): unknown {
  if (!name) throw new UsageError(ctx.name, `expects a table variable: %${ctx.name} NAME`);
  if (!ctx.session.has(name)) {
    const names = ctx.session.names().map((n) => n.name);
    throw new UsageError(
      ctx.name,
      `no variable ${name} in this session${names.length ? ` (defined: ${names.slice(0, 12).join(', ')})` : ''}`,
    );
  }
  const value: any = ctx.session.get(name);
  if (isColumnTable(value) || isDanfo(value)) return value;
  if (isColumnTable(value?.table)) return value.table;
  throw new UsageError(ctx.name, `${name} is not a table (arquero table, danfo DataFrame or dataset)`);
}

registerMagic({
  name: 'describe',
  kind: 'line',
  booleans: ['no-chart'],
  help: `%describe NAME [--no-chart]

Profile of a table (arquero, danfo, or a dataset's table): per column the type, count, missing,
distinct, min/max/mean/std and quartiles or top values, with a small distribution; then one
Vega-Lite chart per column (histogram or top-value bars; --no-chart leaves it out).
Same as data.describe(table) (and its .chart()).`,
  run: async (ctx) => {
    const table = tableVariable(ctx, ctx.args._[0]);
    const profile = await wrap('describe', () => describe(table));
    if (ctx.args.flags['no-chart'] === true) return profile;
    await ctx.display(profile);
    return profile.chart();
  },
});

/** Session tables the query names after FROM/JOIN, for DuckDB to see. */
function sessionTables(ctx: MagicContext, query: string): Record<string, unknown> {
  const tables: Record<string, unknown> = {};
  for (const name of referencedNames(query)) {
    if (!ctx.session.has(name)) continue;
    const value: any = ctx.session.get(name);
    if (isColumnTable(value) || isDanfo(value)) tables[name] = value;
    else if (isColumnTable(value?.table)) tables[name] = value.table;
  }
  return tables;
}

async function runSql(ctx: MagicContext, query: string, out: string | undefined) {
  if (!query.trim()) throw new UsageError(ctx.name, 'expects a query');
  if (out !== undefined && !validName(out)) throw new UsageError(ctx.name, `${out} is not a valid variable name`);
  const result = await wrap(ctx.name, () => sql(query, { tables: sessionTables(ctx, query) }));
  if (out) ctx.session.set(out, result, TYPES.arquero);
  return result;
}

const SQL_HELP = `DuckDB (embedded, in-process) over files and session tables; the result is an arquero table.
Session tables (arquero, danfo, a dataset's table) are visible by their variable names; files are
tables too: 'data/*.csv', read_parquet('big.parquet'). DuckDB streams files and spills to disk, so
inputs larger than memory work as long as the result fits. Same as data.sql(query, {tables}).`;

registerMagic({
  name: 'sql',
  kind: 'line',
  help: `%sql [--out NAME] QUERY\n\n${SQL_HELP}\n\n  %sql select species, avg(petal_length) from iris group by species\n  %sql --out big select * from 'logs/*.csv' where status >= 500`,
  run: (ctx) => {
    const m = /^\s*--out(?:\s+|=)(\S+)\s+/.exec(ctx.line);
    return runSql(ctx, m ? ctx.line.slice(m[0].length) : ctx.line, m?.[1]);
  },
});

registerMagic({
  name: 'sql',
  kind: 'cell',
  help: `%%sql [NAME]\nQUERY...\n\n${SQL_HELP} With NAME, the result is also bound to NAME.\n\n  %%sql by_species\n  select species, count(*) n, avg(sepal_length) sepal\n  from iris group by species order by n desc`,
  run: (ctx) => runSql(ctx, ctx.body, ctx.args._[0]),
});
