// Bar chart: counts per category (y omitted) or a summed y per category, aggregated in the kernel.
import { colorEncoding } from './fieldtype';
import type { ChartOptions } from './scatter';
import { withNote } from '../display/vegalite';
import { vlSpec, type VegaLiteSpec } from './spec';
import { compact, fmt, requireColumns, type TableLike, toRows } from './table';

export interface BarOptions extends ChartOptions {
  /** How y is aggregated per category (default 'sum'; count when y is omitted). */
  aggregate?: 'sum' | 'mean' | 'count';
  /** Most bars shown (default 50, the largest kept, with a note). */
  maxBars?: number;
}

export function bar(table: TableLike, x: string, y?: string, options: BarOptions = {}): VegaLiteSpec {
  requireColumns(table, [x, y, options.color], 'bar');
  const agg = y ? (options.aggregate ?? 'sum') : 'count';
  const groups = new Map<string, { x: unknown; color: unknown; sum: number; n: number }>();
  for (const r of toRows(table)) {
    const key = JSON.stringify([r[x], options.color ? r[options.color] : null]);
    const g = groups.get(key) ?? { x: r[x], color: options.color ? r[options.color] : undefined, sum: 0, n: 0 };
    g.sum += y ? Number(r[y]) || 0 : 1;
    g.n++;
    groups.set(key, g);
  }
  const yName = y ? `${agg}(${y})` : 'count';
  let values = [...groups.values()].map((g) => ({
    [x]: g.x,
    ...(options.color ? { [options.color]: g.color } : {}),
    [yName]: compact(agg === 'mean' ? g.sum / g.n : agg === 'count' ? g.n : g.sum),
  }));
  const maxBars = options.maxBars ?? 50;
  const categories = new Set(values.map((v) => v[x]));
  let note: string | undefined;
  if (categories.size > maxBars) {
    const totals = new Map<unknown, number>();
    for (const v of values) totals.set(v[x], (totals.get(v[x]) ?? 0) + Math.abs(Number(v[yName])));
    const keep = new Set(
      [...totals.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, maxBars)
        .map(([k]) => k),
    );
    values = values.filter((v) => keep.has(v[x]));
    note = `showing the ${maxBars} largest of ${fmt(categories.size)} categories`;
  }
  const color = colorEncoding(values, options.color);
  return vlSpec(
    withNote(
      {
        title: options.title ?? (y ? `${yName} by ${x}` : `count by ${x}`),
        width: options.width ?? 400,
        height: options.height ?? 250,
        data: { values },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: x, type: 'nominal', sort: '-y' },
          y: { field: yName, type: 'quantitative', title: yName },
          ...(color ? { color } : {}),
        },
      },
      note,
    ),
  );
}
