/**
 * Kernel benchmark: start-up and the p50 round trip (execute_request -> idle) of a small cell after
 * importing tfjs + arquero + danfo, against IPython after importing pandas + numpy, measured in the
 * same run by the same jupyter_client harness (bench/py/kernel_roundtrip.py).
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
}

function measure(kernel: string, setup: string, small: string, n: number, env: NodeJS.ProcessEnv): Result {
  const out = execFileSync(
    PY,
    [path.join(ROOT, 'bench', 'py', 'kernel_roundtrip.py'), kernel, setup, small, String(n)],
    { env, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args.find((a) => a.startsWith('--cells='))?.slice(8) ?? 200);
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-bench-'));
  installKernelspec({ prefix });
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') };
  const ts = measure(
    'amalgam',
    "import * as tf from '@tensorflow/tfjs'\nimport * as aq from 'arquero'\nimport * as dfd from 'danfojs-node'\nconst x: number = 1",
    'x + {i}',
    n,
    env,
  );
  const py = measure('python3', 'import pandas as pd\nimport numpy as np\nx = 1', 'x + {i}', n, env);
  const rows = [
    ['start-up (s)', ts.startup_s, py.startup_s],
    ['import tfjs+arquero+danfo / pandas+numpy (s)', ts.setup_s, py.setup_s],
    ['small cell p50 (ms)', ts.p50_ms, py.p50_ms],
    ['small cell p90 (ms)', ts.p90_ms, py.p90_ms],
    ['p50, first quarter of cells (ms)', ts.first_quarter_p50_ms, py.first_quarter_p50_ms],
    ['p50, last quarter of cells (ms)', ts.last_quarter_p50_ms, py.last_quarter_p50_ms],
  ] as const;
  console.log(`Kernel round trip, ${n} cells each, same harness, same run (ratio = amalgam / IPython; < 1 is faster)`);
  console.log(`${'measure'.padEnd(48)}${'amalgam'.padStart(10)}${'IPython'.padStart(10)}${'ratio'.padStart(8)}`);
  for (const [label, a, b] of rows)
    console.log(
      `${label.padEnd(48)}${a.toFixed(2).padStart(10)}${b.toFixed(2).padStart(10)}${(a / b).toFixed(2).padStart(8)}`,
    );
  console.log(
    "Deno's kernel (no type-checking), measured on this machine class by the issue author: 3.1 ms p50; tslab 82.5 ms.",
  );
  const out = path.join(ROOT, 'bench', 'results', 'kernel.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cells: n,
        amalgam: ts,
        ipython: py,
        ratio_p50: ts.p50_ms / py.p50_ms,
        ratio_startup: ts.startup_s / py.startup_s,
      },
      null,
      2,
    ) + '\n',
  );
}
