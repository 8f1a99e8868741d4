// viz: Vega-Lite v5 chart builders. Each returns a plain spec object that also renders itself.
export { trainingCurves } from './training';
export type { HistoryRecord, TrainingCurvesOptions } from './training';
export type { VegaLiteSpec } from './spec';
