// viz: Vega-Lite v5 chart builders. Each returns a plain spec object that also renders itself.
export { trainingCurves } from './training';
export type { HistoryRecord, TrainingCurvesOptions } from './training';
export { scatter, DEFAULT_MAX_ROWS } from './scatter';
export type { ChartOptions } from './scatter';
export { line } from './line';
export { bar } from './bar';
export type { BarOptions } from './bar';
export { histogram } from './histogram';
export type { HistogramOptions } from './histogram';
export { heatmap } from './heatmap';
export type { HeatmapOptions } from './heatmap';
export { plot, PLOT_KINDS } from './plot';
export type { PlotKind, PlotOptions } from './plot';
export { budgetedBundle, PAYLOAD_BUDGET } from './render';
export type { TableLike } from './table';
export type { VegaLiteSpec } from './spec';
