import type * as tf from '@tensorflow/tfjs';
export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}
export interface ComponentSnapshot {
  kind: 'bottom' | 'representations' | 'head' | 'pipeline';
  name: string; // 'bottom', 'representations', a head's name, 'pipeline'
  architecture: unknown; // plain JSON: the component's config and layer configs
  weights: NamedWeight[]; // in a fixed order; [] for a pipeline or a retrieve head
}
export interface Versionable {
  config: unknown; // the amalgamation's whole config (plain JSON), enough for fromConfig
  snapshot(): ComponentSnapshot[]; // current architecture + weights of every component (+ pipeline if attached)
  restore(components: ComponentSnapshot[]): void; // sets weights by component name (throws naming a mismatch)
  readonly model: tf.LayersModel; // the single tfjs model with all named outputs (for export)
  readonly representationNames: string[]; // ['latent_high','latent_low','logits','probs']
  readonly outputNames: string[]; // representations then head names
  metrics?: Record<string, Record<string, number>>; // last validation metrics per head
  dataHash?: string; // sha256 of the training data, set by training
  version?: string; // the registry version it was loaded from / last saved as (parent)
}
export type FromConfig = (config: any) => Versionable; // lib/model's amalgamate
