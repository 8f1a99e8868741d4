// Where a version's training data came from: `metadata.data` of the version or of the nearest
// ancestor that has it (a retrained version carries its parent's forward). The retrain loads that
// data again; raw-record serving reads the feature columns from it.
import { loadDataset } from '../data/datasets';
import { load as loadFile } from '../data/loaders/index';
import type { RegistryStore, VersionManifest } from '../registry/store';
import type { TrainData } from '../train/data';
import { badRequest } from './errors';

/** `metadata.data`: a shipped dataset by name (with the options it was loaded with) or data files. */
export interface DataSource {
  dataset?: string;
  limit?: number;
  split?: string;
  subset?: boolean;
  file?: string;
  files?: string[];
  /** Feature columns in the order the model reads them (tabular data). */
  features?: string[];
}

/** The data source recorded for `manifest`, or for the nearest ancestor recording one. */
export function dataSourceOf(store: RegistryStore, manifest: VersionManifest): DataSource | undefined {
  const seen = new Set<string>();
  let m: VersionManifest | undefined = manifest;
  while (m && !seen.has(m.id)) {
    seen.add(m.id);
    const data = m.metadata.data as DataSource | undefined;
    if (data && typeof data === 'object' && (data.dataset || data.file || data.files?.length)) return data;
    const parent: string | undefined = m.metadata.parent;
    m = parent ? store.versions(m.name).find((v) => v.id === parent) : undefined;
  }
  return undefined;
}

const describeSource = (s: DataSource) => s.dataset ?? s.file ?? s.files?.join(', ') ?? JSON.stringify(s);

/**
 * Loads the recorded training data again: the dataset by name, or the (first) file as a table. The
 * recorded `limit` and `split` are fit's options (DataOptions), applied by the caller.
 */
export async function loadSource(source: DataSource): Promise<TrainData> {
  if (source.dataset) return loadDataset(source.dataset, { subset: source.subset });
  const file = source.file ?? source.files?.[0];
  if (file) return loadFile(file);
  throw badRequest(`the recorded training data ${describeSource(source)} names no dataset or file`);
}
