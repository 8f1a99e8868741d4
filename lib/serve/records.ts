// Raw records: rows with the columns the model was trained on (tabular), or raw images under
// `image`, turned into model inputs by the fitted data pipeline saved with the version, exactly as
// training did (toTensors: the pipeline's output, numeric feature columns in training order, images
// divided by their maximum). Clients send the rows they had in the notebook.
import { aq, type ColumnTable, isColumnTable } from '../data/aq';
import { Dataset, manifest as datasetManifest } from '../data/datasets';
import { IMAGE_COLUMN } from '../data/dataset';
import { columnArray } from '../data/table';
import { Pipeline, type Step } from '../data/transforms/pipeline';
import type { RegistryStore } from '../registry/store';
import { targetColumn } from '../train/data';
import { badRequest, ServeError } from './errors';
import type { LoadedVersion } from './holder';
import { dataSourceOf, loadSource } from './lineage';
import { type Batch, size } from './tensors';

/** The column a raw image travels in (a dataset's own image column). */
export { IMAGE_COLUMN };

/** Columns of a batch of records, each holding one value per row (an image column: one image per row). */
export type RecordColumns = Record<string, unknown[]>;

const stepColumns = (s: Step): string[] =>
  s.type === 'label' || s.type === 'onehot' ? [s.column] : s.type === 'images' ? [] : s.columns;

export class RecordEncoder {
  constructor(
    private version: LoadedVersion,
    private pipeline: Pipeline | undefined,
    private targets: Set<string>,
    /** Tabular: the feature columns after the pipeline, in training order. */
    readonly features: string[] | undefined,
    /** Images: divide the pipeline's output by this (toTensors' normalisation). */
    private imageMax: number | undefined,
    /** Columns a record holds (before the pipeline). */
    readonly columns: string[],
  ) {}

  /** The encoder of a version (built once: tabular features come from the recorded training data). */
  static async of(version: LoadedVersion, store: RegistryStore): Promise<RecordEncoder> {
    let cached = encoders.get(version);
    if (!cached) {
      cached = build(version, store);
      encoders.set(version, cached);
      cached.catch(() => encoders.delete(version));
    }
    return cached;
  }

  /** Model inputs for `n` records. */
  encode(columns: RecordColumns, n: number, where: string): Batch {
    const input = this.version.model.config.input;
    if (this.imageMax !== undefined) return this.encodeImages(columns, n, where, input);
    for (const c of this.columns)
      if (!(c in columns))
        throw badRequest(`${where}: the records lack column "${c}" (the model reads ${this.columns.join(', ')})`);
    for (const [c, values] of Object.entries(columns)) {
      if (values.length !== n) throw badRequest(`${where}: column "${c}" has ${values.length} values, expected ${n}`);
      values.forEach((v, i) => {
        if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean')
          throw badRequest(`${where}: column "${c}" row ${i} is ${JSON.stringify(v).slice(0, 40)}, not a value`);
      });
    }
    let table: ColumnTable = aq.table(columns);
    if (this.pipeline) table = this.pipelineFor(Object.keys(columns)).apply(table);
    const features = this.features!;
    const data = new Float32Array(n * features.length);
    features.forEach((f, j) => {
      if (!table.columnNames().includes(f))
        throw badRequest(`${where}: the records give no feature "${f}" after the pipeline`);
      const values = columnArray(table, f);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'number' && typeof v !== 'boolean')
          throw badRequest(`${where}: column "${f}" row ${i} is ${JSON.stringify(v)}, not a number after the pipeline`);
        data[i * features.length + j] = Number(v);
      }
    });
    if (features.length !== size(input))
      throw new ServeError(400, `the model reads ${size(input)} values, its ${features.length} features do not fit`);
    return { data, n };
  }

  private encodeImages(columns: RecordColumns, n: number, where: string, input: number[]): Batch {
    const images = columns[IMAGE_COLUMN];
    if (!images)
      throw badRequest(
        `${where}: the records lack column "${IMAGE_COLUMN}" (raw images of shape [${input.join(', ')}])`,
      );
    const per = size(input);
    const raw = new Float32Array(n * per);
    images.forEach((image, i) => {
      const flat = Array.isArray(image) ? image.flat(input.length) : [image];
      if (flat.length !== per)
        throw badRequest(`${where}: "${IMAGE_COLUMN}" row ${i} has ${flat.length} values, the model's input ${per}`);
      flat.forEach((v, p) => {
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw badRequest(`${where}: "${IMAGE_COLUMN}" row ${i} value ${p} is ${JSON.stringify(v)}, not a number`);
        raw[i * per + p] = v;
      });
    });
    let data: Float32Array = raw;
    let max = this.imageMax!;
    if (this.pipeline?.steps.some((s) => s.type === 'images')) {
      const [h, w, c] = input as [number, number, number];
      const ds = Dataset.of(
        { row: new Int32Array(n) },
        { name: 'request', description: '', source: 'shipped', files: [], image: { shape: [h, w, c], max } },
        raw,
      );
      const out = this.pipelineFor([]).apply(ds);
      data = out.images!.data as Float32Array;
      max = out.images!.max ?? 1;
    }
    if (max !== 1) data = data.map((v) => v / max);
    return { data, n };
  }

  /**
   * The pipeline's steps for records with these columns: steps (or their columns) about training
   * targets the records do not carry are left out; a missing feature column is an error.
   */
  private pipelineFor(present: string[]): Pipeline {
    const has = new Set(present);
    const steps: Step[] = [];
    for (const step of this.pipeline!.steps) {
      const cols = stepColumns(step);
      const missing = cols.filter((c) => !has.has(c));
      const notTargets = missing.filter((c) => !this.targets.has(c) && step.type !== 'drop');
      if (notTargets.length)
        throw badRequest(`the records lack column "${notTargets[0]}" (the model reads ${this.columns.join(', ')})`);
      if (cols.length && missing.length === cols.length) continue;
      if (missing.length && 'columns' in step) steps.push({ ...step, columns: cols.filter((c) => has.has(c)) } as Step);
      else steps.push(step);
      for (const c of cols) if (step.type === 'onehot') has.delete(c);
    }
    return new Pipeline(steps);
  }
}

const encoders = new WeakMap<LoadedVersion, Promise<RecordEncoder>>();

async function build(version: LoadedVersion, store: RegistryStore): Promise<RecordEncoder> {
  const model = version.model;
  const pipelineJson = model.pipeline?.toJSON();
  const pipeline = pipelineJson ? Pipeline.fromJSON(pipelineJson as any) : undefined;
  const source = dataSourceOf(store, version.manifest);
  const targets = new Set(model.headNames.map((h) => targetColumn(model, h)).filter((c): c is string => !!c));
  const isImage = model.config.input.length === 3;
  const noLineage = () =>
    new ServeError(
      400,
      `raw records: version ${version.id.slice(0, 12)} of ${version.name} records no training data (metadata.data), so the columns it reads are unknown; send the input tensor "input"`,
    );
  if (isImage) {
    if (pipeline?.steps.some((s) => s.type === 'images'))
      return new RecordEncoder(version, pipeline, targets, undefined, maxOf(source?.dataset) ?? 255, [IMAGE_COLUMN]);
    if (!source) throw noLineage();
    return new RecordEncoder(version, pipeline, targets, undefined, maxOf(source.dataset) ?? 255, [IMAGE_COLUMN]);
  }
  if (source?.features?.length) {
    const inputs = pipeline ? inputColumns(pipeline, source.features, targets) : source.features;
    return new RecordEncoder(version, pipeline, targets, source.features, undefined, inputs);
  }
  if (!source) throw noLineage();
  // The feature columns of training: toTensors' default (numeric columns but targets and split) of
  // the training data after the pipeline, in the data's column order.
  const data = await loadSource(source);
  const ds = data as Dataset;
  let table: ColumnTable = isColumnTable(data) ? data : ds.table;
  for (const t of model.headNames.map((h) => targetColumn(model, h, data)).filter((c): c is string => !!c))
    targets.add(t);
  const raw = table.columnNames().filter((c) => !targets.has(c) && c !== (ds.splitColumn ?? 'split'));
  if (pipeline) table = pipeline.apply(table);
  const skip = new Set([...targets, ds.splitColumn ?? 'split']);
  const features = table.columnNames().filter((c) => !skip.has(c) && isNumeric(columnArray(table, c)));
  return new RecordEncoder(version, pipeline, targets, features, undefined, raw);
}

/** Record columns for recorded features: onehot outputs map back to their source column. */
function inputColumns(pipeline: Pipeline, features: string[], targets: Set<string>): string[] {
  const onehot = pipeline.steps.filter((s) => s.type === 'onehot').map((s) => (s as { column: string }).column);
  const out = new Set<string>();
  for (const f of features) {
    const source = onehot.find((c) => f.startsWith(`${c}=`));
    out.add(source ?? f);
  }
  return [...out].filter((c) => !targets.has(c));
}

function isNumeric(values: ArrayLike<unknown>): boolean {
  if (ArrayBuffer.isView(values)) return true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) return typeof v === 'number' || typeof v === 'boolean';
  }
  return false;
}

/** The largest raw pixel value of a shipped image dataset (what toTensors divides by). */
function maxOf(dataset: string | undefined): number | undefined {
  if (!dataset) return undefined;
  const key = dataset.toLowerCase();
  const entry = datasetManifest().find((d) => d.name === key || d.aliases.includes(key));
  return entry?.max;
}
