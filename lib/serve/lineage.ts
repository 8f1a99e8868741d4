// Where a version's training data came from: `metadata.data` of the version or of the nearest
// ancestor that has it (a retrained version carries its parent's forward). The retrain loads that
// data again; raw-record serving reads the feature columns from it.
import { loadDataset } from '../data/datasets';
import { load as loadFile } from '../data/loaders/index';
import type { DataSource } from '../model/types';
import type { RegistryStore, VersionManifest } from '../registry/store';
import type { TrainData } from '../train/data';
import { badRequest } from './errors';

export type { DataSource };

/** The data source recorded for `manifest`, or for the nearest ancestor recording one. */
export function dataSourceOf(store: RegistryStore, manifest: VersionManifest): DataSource | undefined {
  const seen = new Set<string>();
  let m: VersionManifest | undefined = manifest;
  while (m && !seen.has(m.id)) {
    seen.add(m.id);
    const data = m.metadata.data as DataSource | undefined;
    if (data && typeof data === 'object' && (data.dataset || data.files?.length)) return data;
    const parent: string | undefined = m.metadata.parent;
    m = parent ? store.versions(m.name).find((v) => v.id === parent) : undefined;
  }
  return undefined;
}

const describeSource = (s: DataSource) => s.dataset ?? s.files?.join(', ') ?? JSON.stringify(s);

/**
 * Loads the recorded training data again: the dataset by name, or the (first) file as a table. The
 * recorded `limit` and `split` are fit's options (DataOptions), applied by the caller.
 */
export async function loadSource(source: DataSource): Promise<TrainData> {
  if (source.dataset) return loadDataset(source.dataset, source.options);
  const file = source.files?.[0];
  if (file) return loadFile(file);
  throw badRequest(`the recorded training data ${describeSource(source)} names no dataset or file`);
}
