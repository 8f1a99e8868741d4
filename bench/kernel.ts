/**
 * Kernel benchmark: start-up, then cell round trips (execute_request -> idle) sent back to back, as
 * Run All, `amalgam run`, nbclient and papermill send them, after importing tfjs + arquero + danfo,
 * against IPython after importing pandas + numpy, measured in the same run by the same jupyter_client
 * harness (bench/py/kernel_roundtrip.py). Two workloads: one small expression (`x + i`), and a mix of
 * cells that declare names (each changes the scope every later cell is checked against) and cells
 * that do not.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installKernelspec } from '../kernel/cli/install';

const ROOT = path.resolve(__dirname, '..', '..');
const PY = '/usr/bin/python3';

interface Result {
  kernel: string;
  startup_s: number;
  setup_s: number;
  p50_ms: number;
  p90_ms: number;
  first_quarter_p50_ms: number;
  last_quarter_p50_ms: number;
  cells: number;
  per_cell: Record<string, { p50_ms: number; p90_ms: number }>;
  check_p50_ms: number | null;
  check_p90_ms: number | null;
}

/** The mixed workload, each cell beside its IPython counterpart. */
const MIX: [string, string][] = [
  ['const t = 1; t', 't = 1; t'],
  ['let k = 2', 'k = 2'],
  ['function f(a: number) { return a * 2 }; f(3)', 'def f(a): return a * 2\nf(3)'],
  ['const t = tf.scalar(1); t.dataSync()[0]', 't = np.array(1.0); t.item()'],
  ['1+1', '1+1'],
];
const TS_SETUP =
  "import * as tf from '@tensorflow/tfjs'\nimport * as aq from 'arquero'\nimport * as dfd from 'danfojs-node'\nconst x: number = 1";
const PY_SETUP = 'import pandas as pd\nimport numpy as np\nx = 1';

function measure(kernel: string, setup: string, cells: string[], n: number, env: NodeJS.ProcessEnv): Result {
  const out = execFileSync(
    PY,
    [path.join(ROOT, 'bench', 'py', 'kernel_roundtrip.py'), kernel, setup, JSON.stringify(cells), String(n)],
    { env, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

const row = (label: string, a: number, b: number) =>
  `${label.padEnd(52)}${a.toFixed(2).padStart(10)}${b.toFixed(2).padStart(10)}${(a / b).toFixed(2).padStart(8)}`;

export async function main(args: string[]): Promise<void> {
  const n = Number(args.find((a) => a.startsWith('--cells='))?.slice(8) ?? 200);
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-bench-'));
  installKernelspec({ prefix });
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') };
  const small = {
    amalgam: measure('amalgam', TS_SETUP, ['x + {i}'], n, env),
    ipython: measure('python3', PY_SETUP, ['x + {i}'], n, env),
  };
  const mix = {
    amalgam: measure(
      'amalgam',
      TS_SETUP,
      MIX.map(([ts]) => ts),
      n,
      env,
    ),
    ipython: measure(
      'python3',
      PY_SETUP,
      MIX.map(([, py]) => py),
      n,
      env,
    ),
  };
  const { amalgam: ts, ipython: py } = small;
  console.log(
    `Kernel round trip, ${n} cells each, back to back, same harness, same run (ratio = amalgam / IPython; < 1 is faster)`,
  );
  console.log(`${'measure'.padEnd(52)}${'amalgam'.padStart(10)}${'IPython'.padStart(10)}${'ratio'.padStart(8)}`);
  for (const [label, a, b] of [
    ['start-up (s)', ts.startup_s, py.startup_s],
    ['import tfjs+arquero+danfo / pandas+numpy (s)', ts.setup_s, py.setup_s],
    ['small cell `x + i` p50 (ms)', ts.p50_ms, py.p50_ms],
    ['small cell `x + i` p90 (ms)', ts.p90_ms, py.p90_ms],
    ['p50, first quarter of cells (ms)', ts.first_quarter_p50_ms, py.first_quarter_p50_ms],
    ['p50, last quarter of cells (ms)', ts.last_quarter_p50_ms, py.last_quarter_p50_ms],
    ['mixed cells p50 (ms)', mix.amalgam.p50_ms, mix.ipython.p50_ms],
    ['mixed cells p90 (ms)', mix.amalgam.p90_ms, mix.ipython.p90_ms],
  ] as const)
    console.log(row(label, a, b));
  for (const [cell, pyCell] of MIX)
    console.log(
      row(`  p50 ${cell}`.slice(0, 52), mix.amalgam.per_cell[cell].p50_ms, mix.ipython.per_cell[pyCell].p50_ms),
    );
  console.log(
    `Type-checking in the mixed cells (execute_reply metadata): p50 ${mix.amalgam.check_p50_ms?.toFixed(2)} ms, p90 ${mix.amalgam.check_p90_ms?.toFixed(2)} ms.`,
  );
  console.log(
    "Deno's kernel (no type-checking), measured on this machine class by the issue author: 3.1 ms p50; tslab 82.5 ms.",
  );
  const out = path.join(ROOT, 'bench', 'results', 'kernel.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        cells: n,
        small,
        mix,
        ratio_small_p50: ts.p50_ms / py.p50_ms,
        ratio_mix_p50: mix.amalgam.p50_ms / mix.ipython.p50_ms,
        ratio_mix_p90: mix.amalgam.p90_ms / mix.ipython.p90_ms,
        ratio_startup: ts.startup_s / py.startup_s,
        deno_p50_ms: 3.1,
      },
      null,
      2,
    )}\n`,
  );
}
