// amalgam's model registry: `import { registry } from 'amalgam'`; %save, %versions, %checkout, %diff.
export { openRegistry, save, load, versions, diff } from './versioning';
export type { RegistryOptions, SaveOptions } from './versioning';
export { exportTfjs, loadExported } from './export';
export type { ExportResult } from './export';
export { RegistryStore } from './store';
export type { VersionManifest } from './store';
export { RegistryError } from './errors';
export { canonicalJson } from './hash';
export type {
  ComponentSnapshot,
  DataSource,
  Diff,
  FromConfig,
  NamedWeight,
  SaveResult,
  Versionable,
  VersionRow,
} from './types';
