// The plain-object config of an amalgamation: what amalgamate() builds, the registry stores and
// %checkout rebuilds. Everything here is JSON: no functions, no tensors.

/** One block of a bottom, Keras-functional style: `{conv: {filters: 32}}` reads as "a conv block". */
export type BlockConfig =
  | {
      conv: {
        filters: number;
        kernel?: number;
        strides?: number;
        padding?: 'same' | 'valid';
        dilation?: number;
        activation?: string;
        batchNorm?: boolean;
      };
    }
  | { depthwise: { kernel?: number; strides?: number; padding?: 'same' | 'valid'; activation?: string } }
  | { residual: { filters: number; kernel?: number; batchNorm?: boolean } }
  | { pool: { kind?: 'max' | 'avg'; size?: number; strides?: number } }
  | { globalPool: { kind?: 'max' | 'avg' } }
  | { dense: { units: number; activation?: string } }
  | { dropout: { rate: number } }
  | { batchNorm: Record<string, never> | true }
  | { flatten: Record<string, never> | true }
  /** A group of blocks repeated `repeat` times (a learner group in Ferlitsch's terms). */
  | { group: { blocks: BlockConfig[]; repeat?: number } };

export interface BottomConfig {
  /** The stem: the first blocks, applied once to the input. */
  stem?: BlockConfig[];
  /** Learner groups after the stem. */
  groups?: BlockConfig[][];
  /** Or a flat list of blocks (stem and groups are then unused). */
  blocks?: BlockConfig[];
}

export interface RepresentationConfig {
  units: number;
  activation?: string;
}

/** The four representations: names are fixed, sizes and activations are not. */
export interface RepresentationsConfig {
  latent_high?: RepresentationConfig;
  latent_low?: RepresentationConfig;
  /** Pre-activation logits: `units` is the number of classes of the main distribution. */
  logits: { units: number };
  /** Post-activation distribution over `logits`: softmax (one class) or sigmoid (multi-label). */
  probs?: { activation?: 'softmax' | 'sigmoid' };
}

export const REPRESENTATION_NAMES = ['latent_high', 'latent_low', 'logits', 'probs'] as const;
export type RepresentationName = (typeof REPRESENTATION_NAMES)[number];

export const TASKS = ['classify', 'multilabel', 'regress', 'reconstruct', 'retrieve'] as const;
export type Task = (typeof TASKS)[number];

export interface HeadConfig {
  /** One or more representations or other heads; several are flattened and concatenated. */
  from: string | string[];
  task: Task;
  /** The data column the head learns (classify, multilabel, regress); a reconstruct head learns its input. */
  target?: string;
  /** Hidden layers before the output, e.g. [{dense: {units: 64}}]. */
  layers?: BlockConfig[];
  /** Output size: classes (classify), labels (multilabel), values (regress). Default: the target's class count or 1. */
  units?: number;
  /** 'crossentropy' (classify, multilabel), 'mse' | 'mae' | 'huber' (regress, reconstruct). */
  loss?: string;
  /** Weight of this head's loss in the total; 0 trains nothing through it. Default 1. */
  weight?: number;
  metrics?: string[];
  /** retrieve: neighbours returned (default 5). */
  k?: number;
  /** retrieve: 'cosine' (default) or 'euclidean'. */
  metric?: 'cosine' | 'euclidean';
}

export interface AmalgamConfig {
  /** Shape of one example, without the batch: [28, 28, 1] for images, [64] for a table row. */
  input: number[];
  bottom: BottomConfig;
  representations: RepresentationsConfig;
  heads?: Record<string, HeadConfig>;
  /** The label column the representations' logits/probs learn through heads reading them (informative). */
  name?: string;
  /** Components that start frozen. */
  frozen?: string[];
}
