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
export { load, loadInfo, detectFormat, FORMATS } from './loaders/index';
export type { LoadOptions, LoadInfo, Format } from './loaders/index';
export type { CsvOptions } from './loaders/csv';
export { sql, referencedNames } from './sql';
export type { SqlOptions } from './sql';
export { closeDuckDB } from './duck';
export { fromDanfo, toDanfo } from './interop';
export { columnArray } from './table';
