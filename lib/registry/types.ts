// The registry versions anything that snapshots itself as components (lib/model's Versionable).
import type { Versionable } from '../model/types';

export type { ComponentSnapshot, DataSource, NamedWeight, Versionable } from '../model/types';

/** Rebuilds a model from its saved config (default: lib/model's amalgamate). */
export type FromConfig = (config: any) => Versionable;

export interface SaveResult {
  name: string;
  version: string;
  /** The tag asked for (besides 'latest', which every save moves). */
  tag?: string;
  tags: string[];
  components: { name: string; kind: string; hash: string; reused: boolean; bytes: number }[];
  registry: string;
}

export interface VersionRow {
  id: string;
  tags: string[];
  time: string;
  parent?: string;
  params: number;
  metrics?: Record<string, Record<string, number>>;
  components: Record<string, string>;
}

export interface Diff {
  a: string;
  b: string;
  components: { name: string; change: 'same' | 'changed' | 'added' | 'removed'; a?: string; b?: string }[];
  config: { path: string; a: unknown; b: unknown }[];
  metrics: { head: string; metric: string; a?: number; b?: number; delta?: number }[];
}
