// amalgam's training library: `import { train } from 'amalgam'`; `%train` is a thin parser over fit.
export { fit } from './fit';
export type { FitOptions, FitResult } from './fit';
export { evaluate } from './evaluate';
export type { Evaluation } from './evaluate';
export { resolveData, hashData, targetColumn } from './data';
export type { TrainData, TensorData, DataOptions } from './data';
export { headLoss, headMetric, LOSSES } from './losses';
export { learningRate } from './schedule';
export type { Schedule } from './schedule';
export { progressText } from './progress';
