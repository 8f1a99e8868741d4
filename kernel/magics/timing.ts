import { UsageError, numberFlag } from '../../lib/magics/args';
import { registerMagic, type Session } from '../../lib/magics/registry';

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

registerMagic({
  name: 'time',
  kind: 'line',
  help: "%time EXPRESSION\n\nRuns EXPRESSION once (type-checked, top-level await allowed) and prints CPU and wall time.\nThe expression's value is the magic's value.",
  run: ({ line, session }) => {
    if (!line.trim()) throw new UsageError('time', 'usage: %time EXPRESSION');
    return timeOnce(session, line);
  },
});

registerMagic({
  name: 'time',
  kind: 'cell',
  help: "%%time\n\nRuns the cell body and prints CPU and wall time; the body's last value is the cell's value.",
  run: ({ body, session }) => timeOnce(session, body),
});

registerMagic({
  name: 'timeit',
  kind: 'line',
  help: '%timeit [-n N] [-r R] EXPRESSION\n\nTimes EXPRESSION: R runs (default 7) of N loops each (default: chosen so a run takes\nat least 0.2 s). Prints `mean ± std. dev. per loop (mean ± std. dev. of R runs, N loops each)`.\nThe expression is compiled once, outside the timing.',
  run: async ({ line, args, session, signal }) => {
    const code = line.replace(/^(\s*-[nr]\s*\d+\s*)*/, '').trim();
    if (!code) throw new UsageError('timeit', 'usage: %timeit [-n N] [-r R] EXPRESSION');
    const repeat = numberFlag(args, 'r', 'timeit', 7)!;
    let loops = numberFlag(args, 'n', 'timeit');
    if (repeat < 1 || (loops !== undefined && loops < 1))
      throw new UsageError('timeit', '-n and -r must be at least 1');
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
