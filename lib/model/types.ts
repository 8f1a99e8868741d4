// What an amalgamation hands to the rest of the library: component snapshots (the registry stores
// them), its training history (viz draws it) and where its training data came from (lineage).
// Defined here so model depends on none of its consumers.
import type * as tf from '@tensorflow/tfjs';

export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export type ComponentKind = 'bottom' | 'representation' | 'head' | 'pipeline';

export interface ComponentSnapshot {
  /** 'representations' is the one-component form of versions saved before each representation was its own. */
  kind: ComponentKind | 'representations';
  /** 'bottom', a representation's name ('latent_high', ...), a head's name, or 'pipeline'. */
  name: string;
  /** Plain JSON: what the component's weights depend on (config and input shape). */
  architecture: unknown;
  /** In a fixed order; [] for a pipeline, `probs` or a retrieve head. */
  weights: NamedWeight[];
}

/** One tidy record of training history, as the training loop emits them. */
export interface HistoryRecord {
  epoch: number;
  head: string;
  split: 'train' | 'val' | string;
  metric: string;
  value: number;
}

/** Where a model's training data came from, so a retrain (or a server reading raw rows) finds it again. */
export interface DataSource {
  /** A shipped dataset's name and the options it was loaded with. */
  dataset?: string;
  options?: { limit?: number; subset?: boolean };
  /** Files a table was read from. */
  files?: string[];
  /** fit's split and row limit. */
  split?: string;
  limit?: number;
  /** Feature columns of a table, in the order the model reads them. */
  features?: string[];
  /** Rows trained on. */
  rows?: number;
}

/** What the registry needs of a model to version it. */
export interface Versionable {
  /** The whole config (plain JSON), enough for the registry's `fromConfig` to rebuild it. */
  config: unknown;
  /** Current architecture + weights of every component (+ the fitted pipeline if attached). */
  snapshot(): ComponentSnapshot[];
  /** Sets weights by component name; throws naming a mismatch. */
  restore(components: ComponentSnapshot[]): void;
  /** The single tfjs model with every named output (for export). */
  readonly model: tf.LayersModel;
  readonly representationNames: string[];
  /** Representations, then head names. */
  readonly outputNames: string[];
  /** Last validation metrics per head. */
  metrics?: Record<string, Record<string, number>>;
  /** sha256 of the training data, set by training. */
  dataHash?: string;
  /** Where the training data came from, set by training. */
  dataSource?: DataSource;
  /** The registry version it was loaded from or last saved as (the next save's parent). */
  version?: string;
}
