// Histogram binned in the kernel: the payload is the bins, whatever the number of rows.
import type { ChartOptions } from './scatter';
import { vlSpec, type VegaLiteSpec } from './spec';
import { compact, fmt, requireColumns, type TableLike, toRows } from './table';

export interface HistogramOptions extends Omit<ChartOptions, 'maxRows' | 'tooltip'> {
  bins?: number;
}

/** Bin edges with "nice" steps (1, 2, 5 × 10^k), as Vega would choose. */
export function niceBins(min: number, max: number, maxBins: number): { start: number; step: number; count: number } {
  if (!(max > min)) return { start: min - 0.5, step: 1, count: 1 };
  const raw = (max - min) / maxBins;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(min / step) * step;
  return {
    start,
    step,
    count:
      Math.max(1, Math.ceil((max - start) / step + 1e-9)) +
      (max === start + Math.ceil((max - start) / step) * step ? 1 : 0),
  };
}

export function histogram(table: TableLike, x: string, options: HistogramOptions = {}): VegaLiteSpec {
  requireColumns(table, [x, options.color], 'histogram');
  const rows = toRows(table, [x, ...(options.color ? [options.color] : [])]);
  const xs = rows.map((r) => Number(r[x]));
  const finite = xs.filter(Number.isFinite);
  let min = Infinity,
    max = -Infinity;
  for (const v of finite) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const { start, step, count } = niceBins(min, max, options.bins ?? 30);
  const counts = new Map<string, number>();
  rows.forEach((r, i) => {
    if (!Number.isFinite(xs[i])) return;
    const b = Math.min(count - 1, Math.floor((xs[i] - start) / step));
    const key = JSON.stringify([b, options.color ? r[options.color] : null]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  const values = [...counts.entries()].map(([key, n]) => {
    const [b, c] = JSON.parse(key);
    return {
      bin_start: compact(start + b * step),
      bin_end: compact(start + (b + 1) * step),
      count: n,
      ...(options.color ? { [options.color]: c } : {}),
    };
  });
  const missing = xs.length - finite.length;
  return vlSpec({
    title: {
      text: options.title ?? `Distribution of ${x}`,
      subtitle: `${fmt(finite.length)} values binned in the kernel${missing ? `; ${fmt(missing)} missing or non-numeric` : ''}`,
    },
    width: options.width ?? 400,
    height: options.height ?? 250,
    data: { values },
    mark: { type: 'bar', tooltip: true, binSpacing: 1 },
    encoding: {
      x: { field: 'bin_start', type: 'quantitative', bin: { binned: true, step }, title: x },
      x2: { field: 'bin_end' },
      y: { field: 'count', type: 'quantitative', stack: options.color ? 'zero' : null },
      ...(options.color ? { color: { field: options.color, type: 'nominal' } } : {}),
    },
  });
}
