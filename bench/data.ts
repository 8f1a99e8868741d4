/**
 * Data benchmark against pandas (Debian's python3-pandas, run in the same process tree on the same
 * files): CSV parse of 1M rows × 10 columns, group-by mean of 1M rows over 1,000 keys, inner join of
 * 1M × 100k rows, profile (describe) of 100k rows. Each operation runs on every engine amalgam could
 * use (arquero, DuckDB, its own typed-array kernels and CSV reader); the fastest is the one the library uses.
 * Results are checked against pandas' (same row counts and sums). Prints a table, writes
 * bench/results/data.json. `--quick` uses 100k rows.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import { aq, type ColumnTable } from '../lib/data/aq';
import { describe } from '../lib/data/describe';
import { query, registerTable } from '../lib/data/duck';
import { load } from '../lib/data/loaders/index';
import { groupby, join } from '../lib/data/ops';
import { vegaLiteBundle } from '../lib/display/vegalite';

const ROOT = path.resolve(__dirname, '..', '..');
const PY = '/usr/bin/python3';
const log = (s: string) => process.stderr.write(s + '\n');

/** id, key (1,000 values), ref (100k values), cat (4 strings), x0..x5 floats: 10 columns. */
function writeData(dir: string, rows: number): { main: string; right: string } {
  const main = path.join(dir, `main-${rows}.csv`);
  const right = path.join(dir, 'right-100000.csv');
  const rng = seedrandom('bench-data');
  if (!fs.existsSync(main)) {
    const cats = ['alpha', 'beta', 'gamma', 'delta'];
    const fd = fs.openSync(main + '.tmp', 'w');
    fs.writeSync(fd, 'id,key,ref,cat,x0,x1,x2,x3,x4,x5\n');
    for (let start = 0; start < rows; start += 50_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(rows, start + 50_000); i++) {
        const xs = Array.from({ length: 6 }, () => (rng() * 200 - 100).toFixed(4));
        lines.push(
          `${i},${Math.floor(rng() * 1000)},${Math.floor(rng() * 100_000)},${cats[Math.floor(rng() * 4)]},${xs.join(',')}`,
        );
      }
      fs.writeSync(fd, lines.join('\n') + '\n');
    }
    fs.closeSync(fd);
    fs.renameSync(main + '.tmp', main);
  }
  if (!fs.existsSync(right)) {
    const lines = ['ref,w,label'];
    for (let i = 0; i < 100_000; i++) lines.push(`${i},${(rng() * 10).toFixed(3)},L${i % 97}`);
    fs.writeFileSync(right, lines.join('\n') + '\n');
  }
  return { main, right };
}

async function best<T>(fn: () => T | Promise<T>, repeats: number): Promise<{ seconds: number; value: T }> {
  let seconds = Infinity;
  let value!: T;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    value = await fn();
    seconds = Math.min(seconds, (performance.now() - t) / 1000);
  }
  return { seconds, value };
}

interface EngineTime {
  engine: string;
  seconds: number;
  note?: string;
}
interface Row {
  task: string;
  pandas_s: number;
  engines: EngineTime[];
  chosen: string;
  ratio: number;
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const rows = quick ? 100_000 : 1_000_000;
  const repeats = quick ? 2 : 3;
  const dir = path.join(os.tmpdir(), 'amalgam-bench-data');
  fs.mkdirSync(dir, { recursive: true });
  log(`writing ${rows.toLocaleString('en-US')} × 10 CSV (cached in ${dir}) ...`);
  const files = writeData(dir, rows);

  log('pandas ...');
  const py = JSON.parse(
    execFileSync(PY, [path.join(ROOT, 'bench', 'py', 'data_pandas.py'), files.main, files.right, String(repeats)], {
      encoding: 'utf8',
    }),
  );

  const out: Row[] = [];
  const add = (task: string, pandas: number, engines: EngineTime[], chosen: string) => {
    const ours = engines.find((e) => e.engine === chosen)!;
    out.push({ task, pandas_s: pandas, engines, chosen, ratio: pandas / ours.seconds });
  };

  log('CSV parse ...');
  // data.load first, and arquero's table dropped at once: a 1M-row table of boxed values left on the
  // heap slows every later allocation (GC), which would bias the steps after it.
  const plainCsv = await best(() => load(files.main), Math.max(1, repeats - 1));
  const duckCsv = await best(
    async () => {
      await load(files.main, { reader: 'duckdb' });
      return null;
    },
    Math.max(1, repeats - 1),
  );
  const arqueroCsv = await best(() => {
    aq.fromCSV(fs.readFileSync(files.main, 'utf8'));
    return null;
  }, 1);
  const table = plainCsv.value;
  if (table.numRows() !== py.check.rows)
    throw new Error(`CSV rows differ: ${table.numRows()} vs pandas ${py.check.rows}`);
  const sum = (name: string) => {
    const v = table.array(name) as ArrayLike<number>;
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i];
    return s;
  };
  checkClose('CSV sum of x0', sum('x0'), py.check.x0_sum);
  checkClose('CSV sum of id', sum('id'), py.check.id_sum);
  add(
    `CSV parse ${rows.toLocaleString('en-US')}×10`,
    py.csv,
    [
      { engine: 'arquero fromCSV', seconds: arqueroCsv.seconds },
      { engine: "DuckDB read_csv → arquero (reader: 'duckdb')", seconds: duckCsv.seconds },
      { engine: 'typed-column reader (data.load)', seconds: plainCsv.seconds },
    ],
    'typed-column reader (data.load)',
  );

  log('group-by mean ...');
  const xs = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];
  const own = await best(() => groupby(table, 'key', xs), repeats);
  const arq = await best(
    () => table.groupby('key').rollup(Object.fromEntries(xs.map((c) => [c, aq.op.mean(c)]))),
    repeats,
  );
  const arqueroKey0 = arq.value.orderby('key').get('x0', 0);
  const copy = await best(() => registerTable('bench_main', table.select('key', ...xs)), 1);
  const duck = await best(
    () => query(`select key, ${xs.map((c) => `avg(${c}) ${c}`).join(', ')} from bench_main group by key`),
    repeats,
  );
  const g = own.value.orderby('key');
  checkClose('group-by x0 mean of key 0', g.get('x0', 0), py.check.x0_mean_key0);
  checkClose('group-by x0 mean of key 0 (arquero)', arqueroKey0, py.check.x0_mean_key0);
  if (g.numRows() !== py.check.groups) throw new Error(`groups differ: ${g.numRows()} vs ${py.check.groups}`);
  add(
    `group-by mean ${rows.toLocaleString('en-US')} rows, 1,000 keys, 6 columns`,
    py.groupby,
    [
      { engine: 'amalgam typed arrays (data.groupby)', seconds: own.seconds },
      { engine: 'arquero groupby/rollup', seconds: arq.seconds },
      {
        engine: 'DuckDB (table already copied in)',
        seconds: duck.seconds,
        note: `copying the table in took ${copy.seconds.toFixed(2)} s`,
      },
    ],
    'amalgam typed arrays (data.groupby)',
  );

  log('join ...');
  const right = await load(files.right);
  const ownJoin = await best(() => join(table, right, 'ref'), repeats);
  const wSum = (t: ColumnTable) => {
    let s = 0;
    const w = t.array('w') as ArrayLike<number>;
    for (let i = 0; i < w.length; i++) s += w[i];
    return s;
  };
  const joinRows = ownJoin.value.numRows();
  const ownW = wSum(ownJoin.value);
  (ownJoin as any).value = null;
  const arqJoin = await best(() => {
    const j = table.join(right, 'ref');
    return wSum(j);
  }, repeats);
  await registerTable('bench_full', table);
  await registerTable('bench_right', right);
  const duckJoin = await best(async () => {
    await query('select * from bench_full join bench_right using (ref)');
    return null;
  }, repeats);
  if (joinRows !== py.check.join_rows) throw new Error(`join rows differ: ${joinRows} vs ${py.check.join_rows}`);
  checkClose('join sum of w', ownW, py.check.w_sum);
  checkClose('join sum of w (arquero)', arqJoin.value, py.check.w_sum);
  add(
    `inner join ${rows.toLocaleString('en-US')} × 100,000`,
    py.join,
    [
      { engine: 'amalgam hash join (data.join)', seconds: ownJoin.seconds },
      { engine: 'arquero join', seconds: arqJoin.seconds },
      { engine: 'DuckDB (tables already copied in)', seconds: duckJoin.seconds },
    ],
    'amalgam hash join (data.join)',
  );

  log('describe ...');
  const head = table.slice(0, 100_000).reify();
  const stats = await best(() => describe(head), repeats);
  const full = await best(async () => {
    const p = describe(head);
    return vegaLiteBundle(p.chart());
  }, repeats);
  const x0 = stats.value.columns.find((c) => c.name === 'x0')!;
  checkClose('describe std of x0', x0.std!, py.check.describe_x0_std);
  x0.quartiles!.forEach((q, i) => checkClose(`describe quartile ${i + 1} of x0`, q, py.check.describe_x0_quartiles[i]));
  add(
    `describe ${head.numRows().toLocaleString('en-US')} rows × 10`,
    py.describe,
    [
      { engine: 'data.describe (statistics)', seconds: stats.seconds },
      { engine: '%describe (statistics + Vega-Lite chart rendered to SVG)', seconds: full.seconds },
    ],
    'data.describe (statistics)',
  );

  const lines = out.flatMap((r) => [
    `${r.task}: pandas ${ms(r.pandas_s)}`,
    ...r.engines.map(
      (e) =>
        `  ${e.engine === r.chosen ? '*' : ' '} ${e.engine.padEnd(58)} ${ms(e.seconds).padStart(9)}  ${(r.pandas_s / e.seconds).toFixed(2)}× pandas${e.note ? `  (${e.note})` : ''}`,
    ),
  ]);
  console.log(
    ['amalgam data vs pandas (× pandas: above 1 is faster; * = engine the library uses)', ...lines].join('\n'),
  );
  const result = {
    date: new Date().toISOString(),
    quick,
    rows,
    repeats,
    node: process.version,
    pandas: pandasVersion(),
    results: out,
  };
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'data.json'), JSON.stringify(result, null, 2) + '\n');
}

function checkClose(what: string, ours: number, theirs: number): void {
  if (!(Math.abs(ours - theirs) <= 1e-6 * Math.max(1, Math.abs(theirs))))
    throw new Error(`${what}: ${ours} differs from pandas ${theirs}`);
}

const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

function pandasVersion(): string {
  try {
    return execFileSync(PY, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
