// amalgam's training library: `import { train } from 'amalgam'`; `%train` is a thin parser over fit.
export { fit } from './fit';
export type { FitOptions, FitResult } from './fit';
export { evaluate } from './evaluate';
export type { Evaluation, EvaluateOptions } from './evaluate';
export { resolveData, hashData, targetColumn } from './data';
export type { TrainData, TensorData, DataOptions } from './data';
export { headLoss, headMetric, LOSSES } from './losses';
export { learningRate } from './schedule';
export type { Schedule } from './schedule';
export { plan } from './plan';
export type { HeadPlan } from './plan';
export type { Callback, TrainingState, BatchLogs, EpochLogs, HeadMetrics } from './callbacks/base';
export { BestWeights } from './callbacks/best-weights';
export { EarlyStopping } from './callbacks/early-stopping';
export { History } from './callbacks/history';
export { LearningRateScheduler } from './callbacks/schedule';
export { ProgressCallback, progressText } from './callbacks/progress';
