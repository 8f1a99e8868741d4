// What the route modules need from a server, so they depend on this interface and not on server.ts.
import type { RegistryStore } from '../registry/store';
import type { Batcher } from './batcher';
import type { FeedbackLog } from './feedback';
import type { ModelHolder } from './holder';
import type { ServeMetrics } from './metrics';
import type { ServedSampler } from './sampler';

export interface ServeContext {
  readonly store: RegistryStore;
  readonly metrics: ServeMetrics;
  readonly batcher: Batcher;
  /** The package version (OIP server metadata). */
  readonly version: string;
  holder(name: string): ModelHolder;
  feedback(name: string): FeedbackLog;
  /** The served-traffic sample, when kept. */
  readonly sampler?: ServedSampler;
}

/** What a request was about, for the metrics' labels. */
export interface RouteInfo {
  model?: string;
  version?: string;
  route: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    served?: RouteInfo;
  }
}
