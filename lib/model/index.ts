// amalgam's model library: `import { amalgamate, blocks } from 'amalgam'`.
import { Amalgamation } from './amalgamation';
import type { AmalgamConfig } from './config';

/** Builds an amalgamation from a plain-object config: one tfjs model with named outputs. */
export function amalgamate(config: AmalgamConfig): Amalgamation {
  return new Amalgamation(config);
}

export { Amalgamation } from './amalgamation';
export type { ComponentInfo, PredictOptions } from './amalgamation';
export { blocks } from './blocks';
export { REPRESENTATION_NAMES, TASKS } from './config';
export type {
  AmalgamConfig,
  BlockConfig,
  BottomConfig,
  HeadConfig,
  RepresentationName,
  RepresentationsConfig,
  Task,
} from './config';
export { ModelError } from './errors';
export { diagramSvg, componentTable } from './display';
export { RetrievalIndex } from './retrieval';
export type { ComponentKind, ComponentSnapshot, DataSource, HistoryRecord, NamedWeight, Versionable } from './types';
