// Latent spaces: project a model's representations of N (stratified) samples to 2-D and show them
// side by side, coloured by label / prediction / correctness, with linked brushing and image tooltips.
import { InterruptedError } from '../interrupt';
import { VizError } from './errors';
import * as tf from '@tensorflow/tfjs';
import { isColumnTable } from '../data/aq';
import { Dataset } from '../data/dataset';
import { type Examples, isTensorData, toExamples } from '../data/examples';
import { REPRESENTATION_NAMES, type RepresentationName } from '../model/config';
import { type Matrix, toMatrix } from './matrix';
import { project, type ProjectionMethod, type Projection } from './project';
import { stratifiedSample } from './sample';
import { vlSpec, type VegaLiteSpec } from './spec';
import { columnNames, compact, fmt, type TableLike, toRows } from './table';
import { type ImageBatch, thumbnails } from '../display/images';
import { type Placement, place } from './place';
import { trustworthiness } from './trustworthiness';
import { umapMany } from './umap';

/** The four representations, in the model's order (lib/model owns the names). */
export const REPRESENTATIONS = REPRESENTATION_NAMES;
export type Representation = RepresentationName;
export const COLOR_BY = ['label', 'pred', 'correct', 'source', 'time'] as const;
export type ColorBy = (typeof COLOR_BY)[number];

/** What latent() needs of a model: the amalgamation's predict with named outputs. */
export interface LatentModel {
  predict(x: tf.Tensor, options: { outputs: string[] }): Record<string, tf.Tensor> | Promise<Record<string, tf.Tensor>>;
}

/**
 * What latent() takes: the one data shape (a dataset, an arquero table, `{ x, y: { label: values } }`)
 * or, more loosely, any object of this shape (rows in `table`, inputs as `images` or `x`).
 */
export type LatentInput = Examples | LatentData;

/** Data as latent() reads it: rows (for labels and splits) and inputs. */
export interface LatentData {
  name?: string;
  /** Rows aligned with the inputs; its `label` (or `labelColumn`) and `split` columns are used. */
  table?: TableLike;
  images?: ImageBatch;
  /** A label column name, or the labels themselves. */
  label?: string | ArrayLike<unknown>;
  classes?: string[];
  /** Model inputs, when they are not `images`. */
  x?: tf.Tensor;
}

/**
 * Served traffic to place in the training layout (what `serve.served()` returns): model inputs
 * (after the data pipeline), with arrival times and any feedback labels.
 */
export interface LatentServed {
  /** n rows of model inputs, row-major. */
  x: ArrayLike<number>;
  n: number;
  /** One row's input shape. */
  shape: readonly number[];
  times?: readonly string[];
  /** A label per row where a client sent feedback (undefined elsewhere). */
  label?: ArrayLike<unknown>;
  name?: string;
  version?: string;
}

export interface LatentOptions {
  /**
   * Served rows placed in the same 2-D space: the projection is fitted on the training rows only and
   * the served ones transformed into it (PCA's transform; nearest training rows for UMAP and t-SNE).
   * Colour by 'source' (the default then), 'time', 'pred' or 'label'.
   */
  served?: LatentServed;
  /** A representation, several, or 'all' (the four side by side). Default 'latent_low'. */
  rep?: Representation | 'all' | string | string[];
  method?: ProjectionMethod;
  color?: ColorBy;
  /** Points shown (stratified by label; default 2,000). */
  n?: number;
  /** Only rows of this split (default: 'test' when the table has a split column with test rows, else all). */
  split?: string;
  /** Image thumbnails in tooltips (default: when the data has images). */
  thumbnails?: boolean;
  /** Score each layout's trustworthiness (k = 5) and show it in the view title. */
  quality?: boolean;
  inputs?: tf.Tensor;
  labels?: ArrayLike<unknown>;
  batchSize?: number;
  width?: number;
  height?: number;
  signal?: AbortSignal;
}

/** Per-view projection details, attached (non-enumerable) to the returned spec as `latent`. */
export interface LatentInfo {
  indices: number[];
  views: {
    rep: string;
    dims: number;
    method: string;
    explained?: number[];
    trustworthiness?: number;
    coords: Float32Array;
    /** The served rows in this view: coordinates, how they were placed, and how far out each is. */
    served?: { coords: Float32Array; placement: Placement; outlying: Float32Array };
  }[];
  /** How many served rows are drawn (after the training rows in the chart's values). */
  served?: number;
  seconds: { predict: number; project: number; total: number };
}

/** Thumbnail bytes allowed in one chart (with coordinates and the static SVG the chart stays < 1 MB). */
const THUMBNAIL_BUDGET = 380_000;
/** With served points: the chart's values (coordinates and thumbnails) stay under this. */
const SERVED_PAYLOAD = 640_000;
const SERVED_THUMBNAILS = 300;
const SERVED_THUMBNAIL_BUDGET = 120_000;

function resolveReps(rep: LatentOptions['rep']): string[] {
  if (rep === undefined) return ['latent_low'];
  if (rep === 'all') return [...REPRESENTATIONS];
  return [rep].flat();
}

function labelsOf(
  data: LatentData,
  options: LatentOptions,
  rows: Record<string, unknown>[] | undefined,
): ArrayLike<unknown> | undefined {
  if (options.labels) return options.labels;
  if (data.label && typeof data.label !== 'string') return data.label;
  const column = typeof data.label === 'string' ? data.label : 'label';
  return rows?.length && column in rows[0] ? rows.map((r) => r[column]) : undefined;
}

function inputsAt(data: LatentData, options: LatentOptions, indices: number[]): tf.Tensor {
  const x = options.inputs ?? data.x;
  if (x) return tf.tidy(() => tf.gather(x, indices));
  if (!data.images)
    throw new VizError(
      'latent: the data has no images and no inputs; pass options.inputs (a tensor aligned with the rows)',
    );
  const [, h, w, c = 1] = data.images.shape;
  const size = h * w * c;
  const out = new Float32Array(indices.length * size);
  const src = data.images.data;
  let max = 0;
  for (let i = 0; i < Math.min(src.length, 4096); i++) if (src[i] > max) max = src[i];
  // Pixels become [0, 1] as toTensors scales them: by the dataset's own maximum (digits: 16), else 8-bit.
  const known = (data.images as { max?: number }).max;
  const scale = known ? 1 / known : max > 1.0001 ? 1 / 255 : 1;
  indices.forEach((r, k) => {
    for (let j = 0; j < size; j++) out[k * size + j] = Number(src[r * size + j]) * scale;
  });
  return tf.tensor4d(out, [indices.length, h, w, c]);
}

async function predictAll(
  model: LatentModel,
  x: tf.Tensor,
  outputs: string[],
  batchSize: number,
  signal?: AbortSignal,
): Promise<Record<string, Matrix>> {
  const n = x.shape[0];
  const parts: Record<string, Float32Array[]> = {};
  const cols: Record<string, number> = {};
  for (let start = 0; start < n; start += batchSize) {
    if (signal?.aborted) throw new InterruptedError();
    const batch = x.slice(start, Math.min(batchSize, n - start));
    const out = await model.predict(batch, { outputs });
    for (const name of outputs) {
      const t = out[name];
      if (!t)
        throw new VizError(
          `latent: the model returned no ${JSON.stringify(name)} output (it returned ${Object.keys(out).join(', ')})`,
        );
      const m = toMatrix(t);
      (parts[name] ??= []).push(m.data);
      cols[name] = m.cols;
    }
    tf.dispose([batch, ...Object.values(out)]);
  }
  const result: Record<string, Matrix> = {};
  for (const name of outputs) {
    const data = new Float32Array(n * cols[name]);
    let o = 0;
    for (const p of parts[name]) {
      data.set(p, o);
      o += p.length;
    }
    result[name] = { data, rows: n, cols: cols[name] };
  }
  return result;
}

/** Served rows in five groups by arrival time (equal counts), named by their first time. */
function timeBuckets(times: readonly string[] | undefined, n: number): string[] {
  if (!times || times.length < n) return new Array(n).fill('served');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (times[a] < times[b] ? -1 : 1));
  const groups = Math.min(5, n);
  const out = new Array<string>(n);
  for (let g = 0; g < groups; g++) {
    const part = order.slice(Math.floor((g * n) / groups), Math.floor(((g + 1) * n) / groups));
    const label = `served ${g + 1}/${groups} (from ${times[part[0]].slice(11, 19)})`;
    for (const k of part) out[k] = label;
  }
  return out;
}

const METHOD_LABEL: Record<string, string> = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE', identity: 'as is' };

/**
 * The interactive latent-space chart (a Vega-Lite v5 spec). Everything random is seeded (`%seed`),
 * so the same call draws the same points and the same layout.
 */
export async function latent(
  model: LatentModel,
  input: LatentInput,
  options: LatentOptions = {},
): Promise<VegaLiteSpec> {
  const t0 = Date.now();
  const { data, dispose } = latentData(input);
  try {
    return await latentChart(model, data, options, t0);
  } finally {
    dispose();
  }
}

/** Any accepted input as rows + inputs; `dispose` frees tensors made here. */
function latentData(input: LatentInput): { data: LatentData; dispose: () => void } {
  const none = () => {};
  if (input instanceof Dataset) return { data: input, dispose: none };
  if (isTensorData(input)) {
    const ys = input.y ?? {};
    const key = 'label' in ys ? 'label' : Object.keys(ys)[0];
    const values = key === undefined ? undefined : ys[key];
    const label = values instanceof tf.Tensor ? Array.from(values.dataSync()) : values;
    return { data: { x: input.x, label }, dispose: none };
  }
  if (isColumnTable(input)) {
    const names = input.columnNames();
    const label = names.includes('label') ? 'label' : undefined;
    const t = toExamples(input, { targets: label ? [label] : [], where: 'latent' });
    return { data: { table: input, x: t.x, label }, dispose: t.dispose };
  }
  if (input && typeof input === 'object' && ('images' in input || 'x' in input || 'table' in input))
    return { data: input as LatentData, dispose: none };
  throw new VizError(
    'latent: expected a dataset (loadDataset), an arquero table, {x, y: {label}} tensors, or {table, images}',
  );
}

async function latentChart(
  model: LatentModel,
  data: LatentData,
  options: LatentOptions,
  t0: number,
): Promise<VegaLiteSpec> {
  const reps = resolveReps(options.rep);
  const method = options.method ?? 'pca';
  const colorBy = options.color ?? (options.served ? 'source' : 'label');
  const n = options.n ?? 2000;
  const rows = data.table ? toRows(data.table) : undefined;
  const allLabels = labelsOf(data, options, rows);
  const total = options.inputs?.shape[0] ?? data.x?.shape[0] ?? data.images?.shape[0] ?? rows?.length ?? 0;
  if (!total) throw new VizError('latent: the data has no rows');

  // Which rows may be drawn: one split (test by default when there is one), then a stratified sample.
  let pool = Array.from({ length: total }, (_, i) => i);
  let split = options.split;
  if (rows && data.table && columnNames(data.table).includes('split')) {
    if (split === undefined && rows.some((r) => r.split === 'test')) split = 'test';
    if (split !== undefined) pool = pool.filter((i) => rows[i]?.split === split);
    if (!pool.length) throw new VizError(`latent: no rows with split ${JSON.stringify(split)}`);
  }
  const pick = stratifiedSample(allLabels ? pool.map((i) => allLabels[i]) : undefined, pool.length, n, 'viz:latent');
  const indices = pick.map((p) => pool[p]);

  const outputs = [...new Set([...reps, 'probs'])];
  const x = inputsAt(data, options, indices);
  let outs: Record<string, Matrix>;
  try {
    outs = await predictAll(model, x, outputs, options.batchSize ?? 256, options.signal);
  } finally {
    x.dispose();
  }
  const served = options.served;
  let servedOuts: Record<string, Matrix> | undefined;
  if (served) {
    const per = served.shape.reduce((a, b) => a * b, 1);
    const want = x.shape.slice(1).reduce((a: number, b: number) => a * b, 1);
    if (per !== want)
      throw new VizError(
        `latent: the served rows have shape [${served.shape}] (${per} values); the model takes ${want} values per row`,
      );
    const sx = tf.tensor(Float32Array.from(served.x as ArrayLike<number>).subarray(0, served.n * per), [
      served.n,
      ...(x.shape.slice(1) as number[]),
    ]);
    try {
      servedOuts = await predictAll(model, sx, outputs, options.batchSize ?? 256, options.signal);
    } finally {
      sx.dispose();
    }
  }
  const t1 = Date.now();

  const classes = data.classes;
  const nameOf = (v: unknown) => (typeof v === 'number' && classes?.[v] !== undefined ? classes[v] : String(v));
  const probs = outs.probs;
  const values: Record<string, unknown>[] = indices.map((row, k) => {
    const v: Record<string, unknown> = { row };
    if (allLabels) v.label = nameOf(allLabels[row]);
    if (probs) {
      let best = 0;
      for (let c = 1; c < probs.cols; c++)
        if (probs.data[k * probs.cols + c] > probs.data[k * probs.cols + best]) best = c;
      v.pred = nameOf(best);
      v.confidence = compact(probs.data[k * probs.cols + best]);
      if (allLabels) v.correct = v.pred === v.label ? 'correct' : 'wrong';
    }
    if (served) v.source = 'training';
    return v;
  });
  const trainingRows = values.length;
  if (served && servedOuts) {
    const sp = servedOuts.probs;
    const buckets = timeBuckets(served.times, served.n);
    for (let k = 0; k < served.n; k++) {
      const v: Record<string, unknown> = { row: k, source: 'served', when: buckets[k] };
      if (served.times?.[k]) v.time = served.times[k].slice(11, 19); // hh:mm:ss (UTC) keeps the payload small
      const fb = served.label?.[k];
      if (fb !== undefined && fb !== null) v.label = nameOf(fb);
      else if (allLabels) v.label = '(no feedback)';
      if (sp) {
        let best = 0;
        for (let c = 1; c < sp.cols; c++) if (sp.data[k * sp.cols + c] > sp.data[k * sp.cols + best]) best = c;
        v.pred = nameOf(best);
        v.confidence = compact(sp.data[k * sp.cols + best]);
        if (allLabels)
          v.correct = fb === undefined || fb === null ? 'no feedback' : v.pred === v.label ? 'correct' : 'wrong';
      }
      values.push(v);
    }
    for (const v of values.slice(0, trainingRows)) v.when = 'training';
  }

  const views: LatentInfo['views'] = [];
  // Several UMAPs lay out on worker threads side by side (same coordinates as one at a time).
  const laidOut = new Map<string, Projection>();
  const many = method === 'umap' ? reps.filter((rep) => outs[rep].cols > 2) : [];
  if (many.length > 1) {
    const coords = await umapMany(
      many.map((rep) => outs[rep]),
      { signal: options.signal },
    );
    many.forEach((rep, i) => laidOut.set(rep, { coords: coords[i], method: 'umap' }));
  }
  for (const rep of reps) {
    if (options.signal?.aborted) throw new InterruptedError();
    const m = outs[rep];
    const p: Projection = laidOut.get(rep) ?? (await project(m, method, options.signal));
    for (let k = 0; k < trainingRows; k++) {
      values[k][`${rep}_x`] = compact(p.coords[2 * k]);
      values[k][`${rep}_y`] = compact(p.coords[2 * k + 1]);
    }
    const placed = servedOuts ? place(p.method, m, p.coords, servedOuts[rep]) : undefined;
    if (placed)
      for (let k = 0; k < served!.n; k++) {
        const v = values[trainingRows + k];
        v[`${rep}_x`] = compact(placed.coords[2 * k]);
        v[`${rep}_y`] = compact(placed.coords[2 * k + 1]);
        v[`${rep}_out`] = compact(placed.outlying[k]);
      }
    views.push({
      served: placed,
      rep,
      dims: m.cols,
      method: p.method,
      explained: p.explained,
      coords: p.coords,
      trustworthiness: options.quality
        ? trustworthiness(m, { data: p.coords, rows: m.rows, cols: 2 }, 5, 1000)
        : undefined,
    });
  }
  const t2 = Date.now();

  // Thumbnails within budget: full size, then half size, then on a subset, and say which.
  const notes = [
    `${fmt(indices.length)} of ${fmt(pool.length)} ${split ? `${split} ` : ''}rows${allLabels ? ', stratified by label' : ''} (seeded)`,
  ];
  // Served images first (what was sent is the point of the view), on up to 300 of them at half size.
  if (served && (options.thumbnails ?? !!data.images) && data.images && served.shape.length >= 2) {
    const [h, w, c = 1] = served.shape;
    const images = { data: served.x, shape: [served.n, h, w, c] };
    const count = Math.min(served.n, SERVED_THUMBNAILS);
    const rows = Array.from({ length: count }, (_, j) => Math.floor((j * served.n) / count));
    const thumbs = thumbnails(images, rows, 2);
    let room = SERVED_THUMBNAIL_BUDGET;
    rows.forEach((k, j) => {
      room -= thumbs[j].length + 10;
      if (room >= 0) values[trainingRows + k].image = thumbs[j];
    });
    if (room < 0 || count < served.n) notes.push('thumbnails on some served points');
  }
  if ((options.thumbnails ?? !!data.images) && data.images) {
    // Served points take room in the payload too: the thumbnails get what they leave.
    const budget = served
      ? Math.max(0, Math.min(THUMBNAIL_BUDGET, SERVED_PAYLOAD - JSON.stringify(values).length))
      : THUMBNAIL_BUDGET;
    // Full size only when a sample of them says it may fit: encoding 2,000 that will not fit costs more than all the rest.
    const probe = thumbnails(data.images, indices.slice(0, 64), 1);
    const probeSize = (probe.reduce((s, t) => s + t.length + 10, 0) * indices.length) / Math.max(1, probe.length);
    let thumbs = probeSize > 2 * budget ? [] : thumbnails(data.images, indices, 1);
    let size = thumbs.length ? thumbs.reduce((s, t) => s + t.length + 10, 0) : Infinity;
    if (size > budget) {
      thumbs = thumbnails(data.images, indices, 2);
      size = thumbs.reduce((s, t) => s + t.length + 10, 0);
      notes.push('thumbnails at half size');
    }
    let keep = thumbs.length;
    if (size > budget) {
      keep = Math.floor((thumbs.length * budget) / size);
      notes.push(`thumbnails on ${fmt(keep)} of ${fmt(thumbs.length)} points (payload < 1 MB)`);
    }
    // Every ⌈n/keep⌉-th point: spread over the classes, since the rows are in index order.
    const stride = thumbs.length / Math.max(1, keep);
    for (let j = 0; j < keep; j++) {
      const k = Math.floor(j * stride);
      values[k].image = thumbs[k];
    }
  }

  const hasLabels = !!allLabels,
    hasPred = !!probs;
  if (served) {
    const how = views[0]?.served?.placement;
    notes.push(
      `${fmt(served.n)} served rows${served.name ? ` of ${served.name}${served.version ? `@${served.version.slice(0, 12)}` : ''}` : ''} placed ${
        how === 'pca-transform'
          ? "by the training PCA's transform"
          : how === 'identity'
            ? 'as they are'
            : 'at their nearest training rows'
      }`,
    );
  }
  const colorField =
    colorBy === 'source' && served
      ? 'source'
      : colorBy === 'time' && served
        ? 'when'
        : colorBy === 'label' && hasLabels
          ? 'label'
          : colorBy === 'correct' && hasLabels && hasPred
            ? 'correct'
            : hasPred
              ? 'pred'
              : undefined;
  // 'time' is drawn from the `when` field (arrival windows): only a real fallback gets a note.
  const askedField = colorBy === 'time' ? 'when' : colorBy;
  if (colorField && colorField !== askedField) notes.push(`coloured by ${colorField} (no ${colorBy} available)`);
  const seen = [...new Set(values.flatMap((v) => [v.label, v.pred]).filter((v) => v !== undefined))].map(String);
  const domain = classes ? [...classes, ...seen.filter((v) => !classes.includes(v))] : seen.sort();
  const whenDomain = [...new Set(values.map((v) => v.when).filter((v): v is string => typeof v === 'string'))];
  const colorScale =
    colorField === 'correct'
      ? { domain: ['correct', 'wrong', 'no feedback'], range: ['#4c9a2a', '#d62728', '#bbbbbb'] }
      : colorField === 'source'
        ? { domain: ['training', 'served'], range: ['#9ecae1', '#d62728'] }
        : colorField === 'when'
          ? { domain: whenDomain, range: ['#d9d9d9', '#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'] }
          : { domain, scheme: domain.length > 10 ? 'tableau20' : 'tableau10' };
  const tooltip = [
    ...(hasLabels ? [{ field: 'label', type: 'nominal' }] : []),
    ...(hasPred
      ? [
          { field: 'pred', type: 'nominal', title: 'prediction' },
          { field: 'confidence', type: 'quantitative', format: '.1%' },
        ]
      : []),
    { field: 'row', type: 'quantitative' },
    ...(served
      ? [
          { field: 'source', type: 'nominal' },
          { field: 'time', type: 'nominal', title: 'served at' },
        ]
      : []),
    ...(values.some((v) => v.image) ? [{ field: 'image', type: 'nominal', title: 'image' }] : []),
  ];
  const width = options.width ?? (reps.length > 1 ? 220 : 420);
  const height = options.height ?? (reps.length > 1 ? 220 : 360);
  const viewSpecs = views.map((v) => {
    const extra = [
      v.explained ? `${(100 * (v.explained[0] + v.explained[1])).toFixed(0)}% var.` : '',
      v.trustworthiness !== undefined ? `T=${v.trustworthiness.toFixed(3)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return {
      name: `view_${v.rep}`,
      title: {
        text: v.rep,
        subtitle: `${v.dims}-d · ${METHOD_LABEL[v.method] ?? v.method}${extra ? ` · ${extra}` : ''}`,
      },
      width,
      height,
      mark: served
        ? { type: 'point', filled: true, size: 26, opacity: 0.8 }
        : { type: 'circle', size: 22, opacity: 0.8 },
      encoding: {
        x: {
          field: `${v.rep}_x`,
          type: 'quantitative',
          scale: { zero: false },
          axis: { title: null, labels: false, ticks: false },
        },
        y: {
          field: `${v.rep}_y`,
          type: 'quantitative',
          scale: { zero: false },
          axis: { title: null, labels: false, ticks: false },
        },
        color: colorField
          ? {
              condition: {
                param: 'brush',
                field: colorField,
                type: 'nominal',
                scale: colorScale,
                title: colorField === 'pred' ? 'prediction' : colorField === 'when' ? 'time' : colorField,
              },
              value: '#d9d9d9',
            }
          : { value: '#4c78a8' },
        ...(served
          ? {
              shape: {
                field: 'source',
                type: 'nominal',
                scale: { domain: ['training', 'served'], range: ['circle', 'cross'] },
              },
            }
          : {}),
        tooltip: served
          ? [...tooltip, { field: `${v.rep}_out`, type: 'quantitative', title: 'distance to training (× typical)' }]
          : tooltip,
      },
    };
  });
  const title = {
    text: `Latent space${data.name ? ` of ${data.name}` : ''}: ${reps.join(', ')}`,
    subtitle: notes.join('; '),
    subtitleColor: '#a35',
  };
  const brush = { name: 'brush', select: { type: 'interval', resolve: 'global' } };
  const spec =
    viewSpecs.length === 1
      ? vlSpec({
          ...viewSpecs[0],
          title: { ...title, subtitle: [viewSpecs[0].title.subtitle, title.subtitle] },
          data: { values },
          params: [brush],
        })
      : vlSpec({
          title,
          data: { values },
          params: [{ ...brush, views: viewSpecs.map((v) => v.name) }],
          concat: viewSpecs,
          // Two columns: four views side by side (1,000+ px) clip in classic Notebook's output area.
          columns: 2,
          spacing: 12,
        });
  if (viewSpecs.length === 1) delete spec.name;
  const info: LatentInfo = {
    indices,
    views,
    served: served?.n,
    seconds: { predict: (t1 - t0) / 1000, project: (t2 - t1) / 1000, total: (Date.now() - t0) / 1000 },
  };
  Object.defineProperty(spec, 'latent', { value: info, enumerable: false });
  return spec;
}
