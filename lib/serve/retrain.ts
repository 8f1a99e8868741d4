// Continuous learning: fine-tune a challenger from a served version on the feedback log plus the
// version's original training data (found from its lineage), evaluate champion and challenger on
// the same held-out data, register the challenger with its lineage, and move the serving tag only
// when it is blessed (no head regresses). A rejected challenger stays registered, with the reason.
import * as tf from '@tensorflow/tfjs';
import { type TableView, tableBundle, textTable } from '../display/table';
import { splitIndices } from '../data/transforms/split';
import type { Amalgamation } from '../model/amalgamation';
import { RegistryError } from '../registry/errors';
import { load, openRegistry, save } from '../registry/versioning';
import { resolveData, type Resolved, targetColumn, type TensorData } from '../train/data';
import { evaluate } from '../train/evaluate';
import { fit } from '../train/fit';
import { type Blessing, bless, type Thresholds } from './blessing';
import { entryInputs, feedbackFile, readFeedback } from './feedback';
import { type DataSource, dataSourceOf, loadSource } from './lineage';

export interface RetrainOptions {
  registry?: string;
  /** The champion: a tag (default 'latest') or a version id prefix. */
  from?: string;
  /** The tag a blessed challenger moves (default: `from` when it is a tag). */
  tag?: string;
  /** Fine-tuning epochs (default 3). */
  epochs?: number;
  lr?: number;
  batchSize?: number;
  /** Share of the feedback rows held out for evaluation (default 0.2). */
  holdout?: number;
  /** Share of the original rows held out when the data has no test split (default 0.2). */
  originalHoldout?: number;
  thresholds?: Thresholds;
  /** How much each head's main metric may fall before the challenger is refused (default 0: not at all). */
  tolerance?: number;
  /** Live progress while fitting (default false). */
  live?: boolean;
  signal?: AbortSignal;
}

export interface RetrainResult {
  name: string;
  champion: string;
  challenger: string;
  /** The tag promotion moves, and whether it moved. */
  tag: string;
  promoted: boolean;
  blessing: Blessing;
  reason: string;
  feedback: { rows: number; used: number; heldOut: number; dropped: number; sha256: string };
  /** Metrics per slice ('original', 'feedback'), per head, of each model. */
  evaluation: { champion: SliceMetrics; challenger: SliceMetrics };
  data: DataSource;
}

type SliceMetrics = Record<string, Record<string, Record<string, number>>>;

export class RetrainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetrainError';
  }
}

/** Rows of a resolved set, as a new resolved set (the original keeps its tensors). */
function rowsOf(r: Resolved, rows: Int32Array): Resolved {
  const idx = tf.tensor1d(rows, 'int32');
  const x = tf.gather(r.x, idx);
  const targets: Record<string, tf.Tensor> = {};
  const owned = [x];
  for (const [h, t] of Object.entries(r.targets)) {
    targets[h] = t === r.x ? x : tf.gather(t, idx);
    if (targets[h] !== x) owned.push(targets[h]);
  }
  idx.dispose();
  return { x, targets, columns: r.columns, classes: r.classes, n: rows.length, dispose: () => tf.dispose(owned) };
}

/** The original data's training and held-out rows: its test split when it has one, else a seeded share. */
async function originalSplits(model: Amalgamation, source: DataSource, heads: string[], holdout: number) {
  const data = await loadSource(source);
  const hasSplit = !!(data as any).splitColumn;
  if (hasSplit) {
    const train = resolveData(model, data, heads, { split: source.split ?? 'train', limit: source.limit });
    const test = resolveData(model, data, heads, { split: 'test' });
    return { train, test, data };
  }
  const all = resolveData(model, data, heads, { limit: source.limit });
  const parts = splitIndices(all.n, { fractions: { train: 1 - holdout, test: holdout }, seed: 'retrain' });
  const out = { train: rowsOf(all, parts.train), test: rowsOf(all, parts.test), data };
  all.dispose();
  return out;
}

/** The feedback rows that label every head in `heads`, as inputs plus labels per head. */
function feedbackRows(model: Amalgamation, file: string, heads: string[]) {
  const log = readFeedback(file);
  const per = model.config.input.reduce((a, b) => a * b, 1);
  const xs: Float32Array[] = [];
  const labels: Record<string, unknown[]> = Object.fromEntries(heads.map((h) => [h, []]));
  let used = 0;
  let dropped = 0;
  for (const e of log.entries) {
    if (!heads.every((h) => Array.isArray(e.labels[h])) || e.shape.join() !== model.config.input.join()) {
      dropped += e.n;
      continue;
    }
    const x = entryInputs(e);
    if (x.length !== e.n * per) {
      dropped += e.n;
      continue;
    }
    xs.push(x);
    for (const h of heads) labels[h].push(...e.labels[h]);
    used += e.n;
  }
  const x = new Float32Array(used * per);
  let at = 0;
  for (const part of xs) {
    x.set(part, at);
    at += part.length;
  }
  return { x, labels, n: used, dropped, rows: log.count, sha256: log.sha256 };
}

/** Labels of a head as a tensor shaped and typed like the head's targets in the original data. */
function labelTensor(values: unknown[], like: tf.Tensor): tf.Tensor {
  const flat = (values as (number | number[])[]).flat() as number[];
  return tf.tensor(flat, [values.length, ...like.shape.slice(1)], like.dtype);
}

export async function retrain(name: string, options: RetrainOptions = {}): Promise<RetrainResult> {
  const store = openRegistry(options.registry);
  const from = options.from ?? 'latest';
  const champion = store.verifyVersion(store.resolve(`${name}@${from}`));
  const tag = options.tag ?? (from in store.tags(name) ? from : undefined);
  if (!tag) throw new RetrainError(`--from ${from} is a version, not a tag: name the tag to promote into with --tag`);
  const source = dataSourceOf(store, champion);
  if (!source)
    throw new RetrainError(
      `${name}@${champion.id.slice(0, 12)} records no training data (metadata.data) in its lineage: train it with train.fit on a dataset or a loaded file, or save it with registry.save(model, name, {data: {dataset: 'NAME'}})`,
    );
  const file = feedbackFile(store.dir, name);
  const registry = { registry: store.dir };
  const championModel = load<Amalgamation>(`${name}@${champion.id}`, registry);
  const challenger = load<Amalgamation>(`${name}@${champion.id}`, registry);
  const owned: { dispose(): void }[] = [championModel, challenger];
  try {
    const evalHeads = championModel.headNames.filter(
      (h) => championModel.head(h).task !== 'retrieve' && championModel.outputNames.includes(h),
    );
    const log = readFeedback(file);
    if (log.count === 0)
      throw new RetrainError(`no feedback for ${name} yet (${file}): POST /v1/models/${name}/feedback first`);
    const labelled = evalHeads.filter((h) => log.entries.some((e) => Array.isArray(e.labels[h])));
    if (!labelled.length)
      throw new RetrainError(`the feedback of ${name} labels none of its heads (${evalHeads.join(', ')})`);
    const unlabelled = evalHeads.filter(
      (h) => championModel.head(h).task === 'reconstruct' && (championModel.head(h).weight ?? 1) > 0,
    );
    const trainHeads = [...labelled, ...unlabelled];

    const original = await originalSplits(championModel, source, evalHeads, options.originalHoldout ?? 0.2);
    owned.push(original.train, original.test);
    const fb = feedbackRows(championModel, file, labelled);
    if (fb.n === 0) throw new RetrainError(`no feedback row of ${name} labels every head of ${labelled.join(', ')}`);
    const holdout = fb.n >= 5 ? (options.holdout ?? 0.2) : 0;
    const fbSplit = splitIndices(fb.n, { fractions: { train: 1 - holdout, test: holdout }, seed: 'retrain-feedback' });
    const fbX = tf.tensor(fb.x, [fb.n, ...championModel.config.input]);
    owned.push(fbX);
    const fbPart = (rows: Int32Array) => {
      const idx = tf.tensor1d(rows, 'int32');
      const x = tf.gather(fbX, idx);
      idx.dispose();
      const y: Record<string, tf.Tensor> = {};
      for (const h of labelled)
        y[h] = labelTensor(
          Array.from(rows, (r) => fb.labels[h][r]),
          original.train.targets[h],
        );
      owned.push(x, ...Object.values(y));
      return { x, y };
    };
    const fbTrain = fbPart(fbSplit.train);
    const fbTest = fbPart(fbSplit.test);

    // Training data: original training rows + feedback training rows, targets by data column.
    const column = (h: string) => targetColumn(championModel, h, original.data) ?? h;
    const trainY: Record<string, tf.Tensor> = {};
    for (const h of labelled) trainY[column(h)] = tf.concat([original.train.targets[h], fbTrain.y[h]]);
    const trainX = tf.concat([original.train.x, fbTrain.x]);
    owned.push(trainX, ...Object.values(trainY));
    await fit(
      challenger,
      { x: trainX, y: trainY },
      {
        epochs: options.epochs ?? 3,
        lr: options.lr,
        batchSize: options.batchSize,
        heads: trainHeads,
        live: options.live ?? false,
        signal: options.signal,
      },
    );

    const slices: Record<string, { data: TensorData; heads: string[] }> = {
      original: {
        data: {
          x: original.test.x,
          y: Object.fromEntries(
            evalHeads
              .filter((h) => original.test.targets[h] !== original.test.x)
              .map((h) => [column(h), original.test.targets[h]]),
          ),
        },
        heads: evalHeads,
      },
    };
    if (fbSplit.test.length)
      slices.feedback = {
        data: { x: fbTest.x, y: Object.fromEntries(labelled.map((h) => [column(h), fbTest.y[h]])) },
        heads: trainHeads,
      };
    const measure = (m: Amalgamation): SliceMetrics =>
      Object.fromEntries(
        Object.entries(slices).map(([s, { data, heads }]) => [s, evaluate(m, data, { heads }).metrics]),
      );
    const evaluation = { champion: measure(championModel), challenger: measure(challenger) };
    const blessing = bless(
      championModel,
      evaluation.champion,
      evaluation.challenger,
      options.thresholds,
      options.tolerance,
    );

    const lineage = {
      champion: champion.id,
      tag,
      feedback: {
        file,
        rows: fb.rows,
        used: fbSplit.train.length,
        heldOut: fbSplit.test.length,
        dropped: fb.dropped,
        sha256: fb.sha256,
      },
      evaluation,
      blessing: {
        blessed: blessing.blessed,
        reason: blessing.reason,
        thresholds: options.thresholds ?? null,
        tolerance: options.tolerance ?? 0,
      },
    };
    challenger.metrics = evaluation.challenger.original;
    const saved = save(challenger, name, {
      ...registry,
      latest: false,
      tag: 'challenger',
      data: { ...source },
      metadata: { retrain: lineage },
    });
    let promoted = false;
    let reason = blessing.reason;
    if (blessing.blessed) {
      const move = store.moveTag(name, tag, saved.version, { expect: champion.id });
      promoted = move.moved;
      if (!move.moved)
        reason = `blessed, but not promoted: ${tag} moved to ${move.was?.slice(0, 12) ?? 'nothing'} meanwhile (it was ${champion.id.slice(0, 12)} when the retrain began)`;
    }
    return withView({
      name,
      champion: champion.id,
      challenger: saved.version,
      tag,
      promoted,
      blessing,
      reason,
      feedback: lineage.feedback,
      evaluation,
      data: source,
    });
  } catch (e) {
    if (e instanceof RegistryError || e instanceof RetrainError) throw e;
    throw new RetrainError(`retrain ${name}: ${(e as Error).message}`);
  } finally {
    for (const o of owned) o.dispose();
  }
}

const short = (id: string) => id.slice(0, 12);

/** The gate's checks as a table, under a title saying what happened and why (CLI and notebook alike). */
function retrainView(r: RetrainResult): TableView {
  return {
    title: r.promoted
      ? `${r.name}: challenger ${short(r.challenger)} promoted to ${r.tag}`
      : `${r.name}: challenger ${short(r.challenger)} registered, not promoted (${r.tag} stays at ${short(r.champion)})`,
    subtitle: `from ${short(r.champion)} on ${r.feedback.used} feedback rows (+ ${r.feedback.heldOut} held out) and ${r.data.dataset ?? r.data.files?.[0] ?? 'the original data'}`,
    columns: ['slice', 'head', 'metric', 'champion', 'challenger', 'pass'],
    rows: r.blessing.checks.map((c) => [
      c.slice,
      c.head,
      c.metric,
      Number(c.champion.toFixed(4)),
      Number(c.challenger.toFixed(4)),
      c.pass ? 'pass' : 'FAIL',
    ]),
    footer: `${r.promoted ? `promoted: ${r.tag} → ${short(r.challenger)}` : `not promoted: ${r.tag} stays at ${short(r.champion)}`}. ${r.reason}`,
  };
}

export const retrainText = (r: RetrainResult): string => textTable(retrainView(r));

function withView(r: RetrainResult): RetrainResult {
  Object.defineProperty(r, Symbol.for('Jupyter.display'), {
    enumerable: false,
    value: () => tableBundle(retrainView(r)),
  });
  return r;
}
