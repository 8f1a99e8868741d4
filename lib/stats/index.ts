// Two-sample tests for drift: MMD with a permutation test, per-dimension KS with Bonferroni.
export { mmdTest } from './mmd';
export type { MmdOptions, MmdResult } from './mmd';
export { kolmogorovQ, ksPerDimension, ksTwoSample } from './ks';
export type { KsDimensionsResult, KsResult } from './ks';
export type { Sample } from './matrix';
