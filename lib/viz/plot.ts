// One entry point for the quick look (%plot): picks a builder by kind.
import { VizError } from './errors';
import { bar } from './bar';
import { heatmap } from './heatmap';
import { histogram } from './histogram';
import { line } from './line';
import { type ChartOptions, scatter } from './scatter';
import type { VegaLiteSpec } from './spec';
import type { TableLike } from './table';

export const PLOT_KINDS = ['scatter', 'line', 'bar', 'histogram', 'heatmap'] as const;
export type PlotKind = (typeof PLOT_KINDS)[number];

export interface PlotOptions extends ChartOptions {
  kind?: PlotKind;
}

/** scatter by default; histogram when y is omitted; bar/line/heatmap on request. */
export function plot(table: TableLike, x: string, y?: string, options: PlotOptions = {}): VegaLiteSpec {
  const kind = options.kind ?? (y ? 'scatter' : 'histogram');
  if (!PLOT_KINDS.includes(kind))
    throw new VizError(`plot: unknown kind ${kind}; choose one of ${PLOT_KINDS.join(', ')}`);
  const need = (what: string) => {
    if (!y) throw new VizError(`plot: a ${what} needs a y column`);
    return y;
  };
  switch (kind) {
    case 'scatter':
      return scatter(table, x, need('scatter'), options);
    case 'line':
      return line(table, x, need('line'), options);
    case 'bar':
      return bar(table, x, y, options);
    case 'histogram':
      return histogram(table, x, { ...options, bins: undefined });
    case 'heatmap':
      return heatmap(table, x, need('heatmap'), { ...options });
  }
}
