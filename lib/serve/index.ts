// amalgam's REST serving: `import { serve } from 'amalgam'`; `amalgam serve`, %serve and %retrain.
import type { Server, ServeOptions } from './server';

/**
 * Starts serving registered amalgamations over REST (TF Serving /v1, Open Inference Protocol /v2,
 * /metrics); resolves with the running server (`url`, `close()`). The HTTP stack (fastify,
 * prom-client) loads on the first call, so importing amalgam does not pay for it.
 */
export async function start(options: ServeOptions): Promise<Server> {
  return (require('./server') as typeof import('./server')).start(options);
}
import { runningServers } from './running';

/** The servers running in this process (%serve's, start()'s), in start order. */
export const servers = (): Server[] => runningServers() as Server[];
export type { Server, ServeOptions } from './server';
export { ServeError } from './errors';
export { DEFAULT_BATCHING } from './batcher';
export type { BatchingOptions } from './batcher';
export { FeedbackLog, feedbackFile, readFeedback } from './feedback';
export type { FeedbackEntry, FeedbackStats } from './feedback';
export { retrain, retrainText, RetrainError } from './retrain';
export type { RetrainOptions, RetrainResult } from './retrain';
export { bless, mainMetric } from './blessing';
export type { Blessing, Check, MetricThreshold, Thresholds } from './blessing';
export { served, drift, referenceInputs, ServedError } from './served';
export type { ServedSample, ServedOptions, ModelDriftOptions, ReferenceOptions } from './served';
export { driftOf, driftText } from './drift';
export type { DriftOptions, DriftReport, DriftPoint, RepresentationDrift } from './drift';
export { retrainIfDrift, driftRetrainText } from './ondrift';
export type { DriftRetrainOptions, DriftRetrainResult } from './ondrift';
export { readReservoir, servedFile, DEFAULT_SAMPLE_SIZE } from './reservoir';
export type { SamplingOptions } from './sampler';
