// The served traffic of a registered version as a notebook reads it: the reservoir sample the server
// wrote beside the feedback (lib/serve/reservoir.ts), with the label of any served row a client also
// sent as feedback (matched by its inputs), and drift of that sample against the model's training
// rows in each representation, computed through the notebook's own model from the stored inputs, so
// served and training points are always in the same space whichever version served them.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { Examples } from '../data/examples';
import type { Amalgamation } from '../model/amalgamation';
import type { RegistryStore } from '../registry/store';
import { openRegistry } from '../registry/versioning';
import { resolveData } from '../train/data';
import { derive } from '../random';
import type { Sample } from '../stats/matrix';
import { type DriftOptions, type DriftReport, driftOf } from './drift';
import { ServeError } from './errors';
import { entryInputs, feedbackFile, readFeedback } from './feedback';
import { dataSourceOf, loadSource } from './lineage';
import { readReservoir, servedFile } from './reservoir';
import { runningServers } from './running';

export class ServedError extends ServeError {
  constructor(message: string) {
    super(400, message);
    this.name = 'ServedError';
  }
}

export interface ServedSample {
  name: string;
  version: string;
  /** Rows in the sample, and rows the version had served when it was last written. */
  n: number;
  seen: number;
  capacity: number;
  /** One row's model-input shape. */
  shape: number[];
  /** n rows of model inputs (after the pipeline), row-major. */
  x: Float32Array;
  times: string[];
  /** Predicted class per classify head, as the server computed it. */
  pred: Record<string, number>[];
  /** The feedback label of each row (first classify head's), when a client sent one. */
  label: (number | undefined)[];
  /** The representations the server kept, per row. */
  reps: Record<string, Float32Array>[];
  file: string;
}

export interface ServedOptions {
  /** Which version's traffic: VERSION (id prefix), TAG or NAME@VERSION|TAG (default: the model's own version). */
  served?: string;
  registry?: string;
  /** The model the sample is for (its registry version names the default). */
  model?: { version?: string };
}

/** The registry name holding version `id`. */
function nameOf(store: RegistryStore, id: string): string | undefined {
  return store.names().find((n) => store.versions(n).some((v) => v.id === id));
}

/** NAME and version id of what `served` names. */
export function servedVersion(store: RegistryStore, options: ServedOptions): { name: string; version: string } {
  const ref = options.served;
  if (ref?.includes('@')) {
    const m = store.resolve(ref);
    return { name: m.name, version: m.id };
  }
  const own = options.model?.version;
  const name = own ? nameOf(store, own) : undefined;
  if (!name)
    throw new ServedError(
      own
        ? `the model's version ${own.slice(0, 12)} is not in the registry ${store.dir}; name the served model as NAME@TAG`
        : `the model has no registry version (it was never saved or checked out); name the served model as NAME@TAG (e.g. --served fm@production)`,
    );
  if (!ref) return { name, version: own! };
  const m = store.resolve(`${name}@${ref}`);
  return { name, version: m.id };
}

/** Reads the served sample of a version; servers running in this process write theirs first. */
export async function served(options: ServedOptions = {}): Promise<ServedSample> {
  for (const s of runningServers() as { sampler?: { drain(): Promise<void> } }[]) await s.sampler?.drain();
  const store = openRegistry(options.registry);
  const { name, version } = servedVersion(store, options);
  const file = servedFile(store.dir, name, version);
  const state = readReservoir(file);
  const rows = (state?.rows ?? []).filter((r): r is NonNullable<typeof r> => !!r);
  if (!state || !rows.length)
    throw new ServedError(
      `no served traffic recorded for ${name}@${version.slice(0, 12)} yet (${file}): serve it (%serve ${name}) and send it predict requests`,
    );
  const per = state.shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(rows.length * per);
  rows.forEach((r, i) => x.set(r.x, i * per));
  return {
    name,
    version,
    n: rows.length,
    seen: state.seen,
    capacity: state.capacity,
    shape: state.shape,
    x,
    times: rows.map((r) => r.time),
    pred: rows.map((r) => r.pred),
    label: feedbackLabels(
      store,
      name,
      rows.map((r) => r.x),
    ),
    reps: rows.map((r) => r.reps),
    file,
  };
}

const keyOf = (x: Float32Array) =>
  createHash('sha1')
    .update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
    .digest('base64');

/** The label a feedback request gave to each served row with the same inputs (first labelled head). */
function feedbackLabels(store: RegistryStore, name: string, xs: Float32Array[]): (number | undefined)[] {
  const log = readFeedback(feedbackFile(store.dir, name));
  if (!log.count) return xs.map(() => undefined);
  const wanted = new Set(xs.map(keyOf));
  const found = new Map<string, number>();
  for (const e of log.entries) {
    const head = Object.keys(e.labels)[0];
    if (head === undefined) continue;
    const all = entryInputs(e);
    const per = all.length / e.n;
    for (let i = 0; i < e.n; i++) {
      const k = keyOf(all.subarray(i * per, (i + 1) * per));
      const v = e.labels[head][i];
      if (wanted.has(k) && typeof v === 'number') found.set(k, v);
    }
  }
  return xs.map((x) => found.get(keyOf(x)));
}

/** Model outputs for rows of inputs, in batches, as samples (one per output). */
export async function representations(
  model: Amalgamation,
  x: Float32Array,
  n: number,
  outputs: string[],
  batchSize = 256,
): Promise<Record<string, Sample>> {
  const per = x.length / n;
  const parts: Record<string, Float32Array[]> = Object.fromEntries(outputs.map((o) => [o, []]));
  for (let start = 0; start < n; start += batchSize) {
    const rows = Math.min(batchSize, n - start);
    const t = tf.tensor(x.subarray(start * per, (start + rows) * per), [rows, ...model.config.input]);
    const out = model.predict(t, { outputs });
    for (const o of outputs) parts[o].push(out[o].dataSync() as Float32Array);
    tf.dispose([t, ...Object.values(out)]);
  }
  return Object.fromEntries(
    outputs.map((o) => {
      const data = new Float32Array(parts[o].reduce((s, p) => s + p.length, 0));
      let at = 0;
      for (const p of parts[o]) {
        data.set(p, at);
        at += p.length;
      }
      return [o, { data, rows: n, cols: data.length / Math.max(1, n) }];
    }),
  );
}

export interface ReferenceOptions {
  /** The training data (default: what the model records it was trained on, or its registry lineage). */
  data?: Examples;
  /** Rows drawn (seeded; default 1,000). */
  n?: number;
  registry?: string;
}

/** Model inputs of a seeded sample of the model's training rows (the 'train' split when there is one). */
export async function referenceInputs(
  model: Amalgamation,
  options: ReferenceOptions = {},
): Promise<{ x: Float32Array; n: number; source: string }> {
  let data: Examples | undefined = options.data;
  let source = 'the given data';
  let limit: number | undefined;
  let split: string | undefined;
  if (!data) {
    let recorded = model.dataSource;
    if (!recorded && model.version) {
      const store = openRegistry(options.registry);
      const name = nameOf(store, model.version);
      if (name) recorded = dataSourceOf(store, store.resolve(`${name}@${model.version}`));
    }
    if (!recorded)
      throw new ServedError(
        'the model records no training data (model.dataSource or metadata.data): pass the training data (--data NAME)',
      );
    data = (await loadSource(recorded)) as Examples;
    source = recorded.dataset ?? recorded.files?.[0] ?? 'the recorded data';
    // The rows it was trained on: the recorded split and limit, as fit read them.
    limit = recorded.limit;
    split = recorded.split;
  }
  const hasSplit = !!(data as { splitColumn?: string }).splitColumn;
  const r = resolveData(model, data, [], { split: hasSplit ? (split ?? 'train') : undefined, limit, where: 'drift' });
  try {
    const want = Math.min(options.n ?? 1000, r.n);
    const rand = derive('drift:reference');
    const idx = Array.from({ length: r.n }, (_, i) => i);
    for (let i = r.n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const pick = tf.tensor1d(
      idx.slice(0, want).sort((a, b) => a - b),
      'int32',
    );
    const x = tf.gather(r.x, pick);
    const data32 = Float32Array.from(x.dataSync() as Float32Array);
    tf.dispose([pick, x]);
    return { x: data32, n: want, source };
  } finally {
    r.dispose();
  }
}

export interface ModelDriftOptions extends DriftOptions, ServedOptions, ReferenceOptions {
  /** A representation, several, or 'all' (default 'all'). */
  rep?: string | string[];
}

/** Drift of a version's served traffic against the model's training rows, per representation. */
export async function drift(model: Amalgamation, options: ModelDriftOptions = {}): Promise<DriftReport> {
  const sample = await served({ ...options, model });
  const reps = options.rep === undefined || options.rep === 'all' ? model.representationNames : [options.rep].flat();
  for (const r of reps)
    if (!(model.representationNames as string[]).includes(r))
      throw new ServedError(`no representation "${r}" (representations: ${model.representationNames.join(', ')})`);
  if (sample.shape.join() !== model.config.input.join())
    throw new ServedError(
      `${sample.name}@${sample.version.slice(0, 12)} served inputs of shape [${sample.shape}]; the model takes [${model.config.input}]`,
    );
  const ref = await referenceInputs(model, options);
  const [reference, current] = [
    await representations(model, ref.x, ref.n, reps as string[]),
    await representations(model, sample.x, sample.n, reps as string[]),
  ];
  return driftOf(reference, current, sample.times, options, { name: sample.name, version: sample.version });
}
