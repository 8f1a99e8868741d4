// amalgam's data library: `import { data } from 'amalgam'`.
import './render'; // side effect: arquero tables and danfo frames render as HTML tables
export { aq, isColumnTable } from './aq';
export type { ColumnTable } from './aq';
export { DataError } from './errors';
export { loadDataset, listDatasets } from './datasets';
export type { Dataset, DatasetImages, LoadDatasetOptions } from './datasets';
export { toTensors, encodeTarget } from './tensors';
export type { ToTensorsOptions, Tensors } from './tensors';
export { parseIdx, loadIdx } from './loaders/idx';
export type { IdxArray } from './loaders/idx';
export { takeRows } from './table';
