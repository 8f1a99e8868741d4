import { defineMagic, type Session } from '../../lib/magics/magic';

/** Formats seconds the way IPython does: 3 significant digits in s, ms, µs or ns. */
export function formatTime(seconds: number): string {
  const units: [number, string][] = [
    [1, 's'],
    [1e-3, 'ms'],
    [1e-6, 'µs'],
    [1e-9, 'ns'],
  ];
  for (const [scale, unit] of units) {
    if (seconds >= scale || unit === 'ns') {
      const v = seconds / scale;
      return `${Number(v.toPrecision(3))} ${unit}`; // like Python's %.3g
    }
  }
  return `${seconds} s`;
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await run();
  return { value, wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: cpuSeconds(cpu0) };
}

/** %time and %%time: run once, print CPU and wall time, give back the code's value. */
async function timeOnce(session: Session, code: string): Promise<unknown> {
  const r = await timed(() => session.execute(code));
  console.log(`CPU times: ${formatTime(r.cpu)}\nWall time: ${formatTime(r.wall)}`);
  return r.value;
}

defineMagic({
  name: 'time',
  kind: 'line',
  description:
    "Runs the code once (type-checked, top-level await allowed) and prints CPU and wall time. The\ncode's value is the magic's value.",
  args: { rest: { name: 'CODE', help: 'a TypeScript expression or statements' } },
  examples: ['%time await train.fit(model, data, { epochs: 1 })'],
  run: ({ rest, session }) => timeOnce(session, rest),
});

defineMagic({
  name: 'time',
  kind: 'cell',
  description: "Runs the cell body and prints CPU and wall time; the body's last value is the cell's value.",
  run: ({ body, session }) => timeOnce(session, body),
});

defineMagic({
  name: 'timeit',
  kind: 'line',
  description:
    'Times an expression: R runs of N loops each. Prints `mean ± std. dev. per loop (mean ± std. dev. of\n' +
    'R runs, N loops each)` as IPython does. The expression is compiled once, outside the timing.',
  args: {
    flags: {
      n: { type: 'integer', min: 1, metavar: 'N', help: 'loops per run (default: so that a run takes at least 0.2 s)' },
      r: { type: 'integer', min: 1, metavar: 'R', help: 'runs (default 7)' },
    },
    rest: { name: 'EXPRESSION', help: 'what to time' },
  },
  examples: ['%timeit -n 100 tf.tidy(() => tf.ones([64, 64]).matMul(tf.ones([64, 64])))'],
  run: async ({ rest: code, options, session, signal }) => {
    const repeat = options.r ?? 7;
    let loops = options.n;
    // Compile (and type-check) once into a function; time only calls of it.
    const fn = (await session.execute(`async () => { return (${code}); }`)) as () => Promise<unknown>;
    const once = async (n: number) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await fn();
      return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    if (loops === undefined) {
      loops = 1;
      for (let t = await once(1); t < 0.2 && loops < 1e7; loops *= 10) t = await once(loops * 10);
    }
    const perLoop: number[] = [];
    for (let r = 0; r < repeat; r++) {
      if (signal.aborted) break;
      perLoop.push((await once(loops)) / loops);
    }
    const mean = perLoop.reduce((a, b) => a + b, 0) / perLoop.length;
    const std = Math.sqrt(perLoop.reduce((a, b) => a + (b - mean) ** 2, 0) / perLoop.length);
    const runs = perLoop.length;
    console.log(
      `${formatTime(mean)} ± ${formatTime(std)} per loop (mean ± std. dev. of ${runs} run${runs > 1 ? 's' : ''}, ${loops} loop${loops > 1 ? 's' : ''} each)`,
    );
    return undefined;
  },
});
