// Heatmap: a 2-D histogram of two numeric columns, or the mean of a value per pair of categories.
import { inferType } from './fieldtype';
import { niceBins } from './histogram';
import type { ChartOptions } from './scatter';
import { vlSpec, type VegaLiteSpec } from './spec';
import { compact, fmt, requireColumns, type TableLike, toRows } from './table';

export interface HeatmapOptions extends Omit<ChartOptions, 'maxRows' | 'color'> {
  /** A numeric column averaged per cell (default: counts). */
  value?: string;
  /** Bins per numeric axis (default 30). */
  bins?: number;
}

export function heatmap(table: TableLike, x: string, y: string, options: HeatmapOptions = {}): VegaLiteSpec {
  requireColumns(table, [x, y, options.value], 'heatmap');
  const rows = toRows(table, [x, y, ...(options.value ? [options.value] : [])]);
  const axis = (field: string) => {
    const numeric =
      inferType(rows, field) === 'quantitative' && new Set(rows.slice(0, 2000).map((r) => r[field])).size > 25;
    if (!numeric)
      return { numeric, key: (v: unknown) => v, bins: undefined as ReturnType<typeof niceBins> | undefined };
    let min = Infinity,
      max = -Infinity;
    for (const r of rows) {
      const v = Number(r[field]);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const bins = niceBins(min, max, options.bins ?? 30);
    return {
      numeric,
      bins,
      key: (v: unknown) =>
        compact(bins.start + Math.min(bins.count - 1, Math.floor((Number(v) - bins.start) / bins.step)) * bins.step),
    };
  };
  const ax = axis(x),
    ay = axis(y);
  const cells = new Map<string, { x: unknown; y: unknown; n: number; sum: number }>();
  for (const r of rows) {
    const cx = ax.key(r[x]),
      cy = ay.key(r[y]);
    const k = JSON.stringify([cx, cy]);
    const c = cells.get(k) ?? { x: cx, y: cy, n: 0, sum: 0 };
    c.n++;
    if (options.value) c.sum += Number(r[options.value]) || 0;
    cells.set(k, c);
  }
  const valueName = options.value ? `mean(${options.value})` : 'count';
  const values = [...cells.values()].map((c) => ({
    [x]: c.x,
    [y]: c.y,
    [valueName]: compact(options.value ? c.sum / c.n : c.n),
  }));
  const enc = (field: string, a: typeof ax) =>
    a.numeric ? { field, type: 'quantitative', bin: { binned: true, step: a.bins!.step } } : { field, type: 'ordinal' };
  const end = (field: string, a: typeof ax) =>
    a.numeric ? [{ calculate: `datum['${field}'] + ${a.bins!.step}`, as: `${field}_end` }] : [];
  return vlSpec({
    title: {
      text: options.title ?? `${valueName} by ${x} and ${y}`,
      subtitle: `${fmt(rows.length)} rows aggregated in the kernel`,
    },
    width: options.width ?? 360,
    height: options.height ?? 300,
    data: { values },
    transform: [...end(x, ax), ...end(y, ay)],
    mark: { type: 'rect', tooltip: true },
    encoding: {
      x: enc(x, ax),
      ...(ax.numeric ? { x2: { field: `${x}_end` } } : {}),
      y: enc(y, ay),
      ...(ay.numeric ? { y2: { field: `${y}_end` } } : {}),
      color: { field: valueName, type: 'quantitative', scale: { scheme: 'viridis' } },
    },
  });
}
