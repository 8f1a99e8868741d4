// An amalgamation: one tfjs model whose named outputs are the four representations and the heads.
import * as tf from '@tensorflow/tfjs';
import { applyBlocks } from './blocks';
import { DataError } from '../data/errors';
import { type Examples, toExamples } from '../data/examples';
import { closest } from '../util/text';
import { type AmalgamConfig, type HeadConfig, REPRESENTATION_NAMES, type RepresentationName } from './config';
import { ModelError } from './errors';
import { orderHeads, sourcesOf } from './graph';
import { buildHead } from './heads';
import { RetrievalIndex } from './retrieval';
import type { ComponentKind, ComponentSnapshot, DataSource, HistoryRecord, NamedWeight, Versionable } from './types';

type Sym = tf.SymbolicTensor;

export interface ComponentInfo {
  name: string;
  kind: Exclude<ComponentKind, 'pipeline'>;
  task?: string;
  from?: string[];
  layers: tf.layers.Layer[];
  params: number;
  frozen: boolean;
  outputShape: (number | null)[][];
}

export interface PredictOptions {
  /** Named outputs to compute (representations and heads); only what they need runs. Default: every output. */
  outputs?: string[];
  batchSize?: number;
  /** Rows of this split when the data is a dataset with one (default: every row). */
  split?: string;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

export class Amalgamation implements Versionable {
  readonly config: AmalgamConfig;
  readonly input: Sym;
  private outputs = new Map<string, Sym>();
  private built!: tf.LayersModel;
  private subModels = new Map<string, tf.LayersModel>();
  private frozenSet = new Set<string>();
  readonly retrieval = new Map<string, RetrievalIndex>();
  metrics?: Record<string, Record<string, number>>;
  dataHash?: string;
  dataSource?: DataSource;
  version?: string;
  /** Every fit's per-epoch records (viz.trainingCurves(model.history) redraws them). */
  history: HistoryRecord[] = [];
  /** The fitted data pipeline (lib/data), stored with the model by the registry. */
  pipeline?: { toJSON(): unknown };

  constructor(config: AmalgamConfig) {
    validateConfig(config);
    this.config = clone(config);
    this.config.heads ??= {};
    this.input = tf.input({ shape: config.input, name: 'input' });
    const ctx = { prefix: 'bottom', index: { n: 0 } };
    const b = config.bottom;
    let x = this.input;
    try {
      x = b.blocks
        ? applyBlocks(x, b.blocks, ctx)
        : applyBlocks(x, [...(b.stem ?? []), ...(b.groups ?? []).flat()], ctx);
    } catch (e) {
      throw e instanceof ModelError ? e : new ModelError(`bottom: ${(e as Error).message}`);
    }
    this.buildRepresentations(x);
    for (const name of orderHeads(this.config.heads)) this.attach(name, this.config.heads[name]);
    this.rebuild();
    for (const c of config.frozen ?? []) this.freeze(c);
  }

  private buildRepresentations(bottom: Sym): void {
    const r = this.config.representations;
    const x = bottom.shape.length > 2 ? (tf.layers.flatten({ name: 'bottom/flatten' }).apply(bottom) as Sym) : bottom;
    const high = tf.layers
      .dense({
        name: 'latent_high',
        units: r.latent_high?.units ?? 256,
        activation: (r.latent_high?.activation ?? 'relu') as any,
      })
      .apply(x) as Sym;
    const low = tf.layers
      .dense({
        name: 'latent_low',
        units: r.latent_low?.units ?? 32,
        activation: (r.latent_low?.activation ?? 'linear') as any,
      })
      .apply(high) as Sym;
    const logits = tf.layers.dense({ name: 'logits', units: r.logits.units, activation: 'linear' }).apply(low) as Sym;
    const probs = tf.layers
      .activation({ name: 'probs', activation: r.probs?.activation ?? 'softmax' })
      .apply(logits) as Sym;
    Object.entries({ latent_high: high, latent_low: low, logits, probs }).forEach(([k, v]) => this.outputs.set(k, v));
  }

  private attach(name: string, head: HeadConfig): void {
    let out: Sym | undefined;
    try {
      out = buildHead(name, head, this.outputs, this.config);
    } catch (e) {
      throw e instanceof ModelError ? e : new ModelError(`head "${name}": ${(e as Error).message}`);
    }
    if (out) this.outputs.set(name, out);
    else this.retrieval.set(name, new RetrievalIndex(name, sourcesOf(head), head.k ?? 5, head.metric ?? 'cosine'));
  }

  private rebuild(): void {
    const names = [...this.outputs.keys()];
    this.built = tf.model({
      inputs: this.input,
      outputs: names.map((n) => this.outputs.get(n)!),
      name: this.config.name ?? 'amalgamation',
    });
    this.subModels.clear();
  }

  /** The single tfjs model with every tensor output, in `outputNames` order. */
  get model(): tf.LayersModel {
    return this.built;
  }
  get representationNames(): string[] {
    return [...REPRESENTATION_NAMES];
  }
  /** Tensor outputs: the representations, then the heads (retrieve heads are computed outside the graph). */
  get outputNames(): string[] {
    return [...this.outputs.keys()];
  }
  get headNames(): string[] {
    return Object.keys(this.config.heads!);
  }
  head(name: string): HeadConfig {
    const h = this.config.heads![name];
    if (!h) throw new ModelError(`no head "${name}" (heads: ${this.headNames.join(', ') || 'none'})`);
    return h;
  }
  outputShape(name: string): (number | null)[] {
    const s = this.outputs.get(name);
    if (!s) throw this.unknownOutput(name);
    return s.shape;
  }

  private unknownOutput(name: string): ModelError {
    return new ModelError(
      `no output "${name}" (outputs: ${[...this.outputNames, ...this.retrieval.keys()].join(', ')})`,
    );
  }

  /** A model computing just these outputs (cached): tfjs then runs only the layers they need. */
  subModel(names: string[]): tf.LayersModel {
    const key = names.join('\0');
    let m = this.subModels.get(key);
    if (!m) {
      for (const n of names) if (!this.outputs.has(n)) throw this.unknownOutput(n);
      m = tf.model({ inputs: this.input, outputs: names.map((n) => this.outputs.get(n)!) });
      this.subModels.set(key, m);
    }
    return m;
  }

  /**
   * Computes the named outputs for a batch of inputs (inference mode). Retrieve heads return the
   * indices of their nearest neighbours in the indexed data. The caller owns (and disposes) the tensors.
   */
  predict(input: tf.Tensor | Examples, options: PredictOptions = {}): Record<string, tf.Tensor> {
    if (!(input instanceof tf.Tensor)) {
      // The one data shape: a dataset, a table or {x, y} become inputs of the model's shape.
      let ex: ReturnType<typeof toExamples>;
      try {
        ex = toExamples(input, { inputShape: this.config.input, split: options.split, where: 'predict' });
      } catch (e) {
        throw e instanceof DataError ? new ModelError(e.message) : e;
      }
      try {
        return this.predict(ex.x, options);
      } finally {
        ex.dispose();
      }
    }
    const x = input;
    const wanted = options.outputs ?? [...this.outputNames, ...this.retrieval.keys()];
    if (wanted.length === 0) throw new ModelError('predict: outputs is empty');
    const expected = this.config.input;
    if (x.rank !== expected.length + 1 || expected.some((d, i) => x.shape[i + 1] !== d)) {
      throw new ModelError(
        `predict: input shape [${x.shape.join(', ')}] does not fit the model's input [batch, ${expected.join(', ')}]`,
      );
    }
    const retrieve = wanted.filter((n) => this.retrieval.has(n));
    const tensorNames = [
      ...new Set([
        ...wanted.filter((n) => !this.retrieval.has(n)),
        ...retrieve.flatMap((n) => this.retrieval.get(n)!.from),
      ]),
    ];
    for (const n of tensorNames) if (!this.outputs.has(n)) throw this.unknownOutput(n);
    const result: Record<string, tf.Tensor> = {};
    if (tensorNames.length) {
      const sub = this.subModel(tensorNames);
      const batch = options.batchSize ?? 256;
      const outs = tf.tidy(() => {
        const parts: tf.Tensor[][] = tensorNames.map(() => []);
        for (let i = 0; i < x.shape[0]; i += batch) {
          const xb = x.shape[0] <= batch ? x : x.slice(i, Math.min(batch, x.shape[0] - i));
          let y = sub.predict(xb) as tf.Tensor | tf.Tensor[];
          if (!Array.isArray(y)) y = [y];
          y.forEach((t, j) => parts[j].push(t));
        }
        return parts.map((p) => (p.length === 1 ? p[0] : tf.concat(p)));
      });
      tensorNames.forEach((n, i) => (result[n] = outs[i]));
    }
    for (const n of retrieve) result[n] = this.retrieval.get(n)!.query(result);
    for (const n of Object.keys(result))
      if (!wanted.includes(n)) {
        result[n].dispose();
        delete result[n];
      }
    return result;
  }

  // ---- components -------------------------------------------------------------------------------

  /**
   * Layers of a component: 'bottom', a representation ('latent_high', 'latent_low', 'logits', 'probs')
   * or a head's name. 'representations' names the four together (and reads versions saved when they
   * were one component).
   */
  layersOf(component: string): tf.layers.Layer[] {
    const layers = this.built.layers.filter((l) => l.name !== 'input');
    if (component === 'bottom') return layers.filter((l) => l.name.startsWith('bottom/'));
    if (component === 'representations') return layers.filter((l) => isRepresentation(l.name));
    if (isRepresentation(component) || component in this.config.heads!)
      return layers.filter((l) => l.name === component || l.name.startsWith(`${component}/`));
    const hint = closest(component, [...this.componentNames(), 'representations']);
    throw new ModelError(
      `no component "${component}"${hint ? ` (did you mean "${hint}"?)` : ''}; components: ${this.componentNames().join(', ')}`,
    );
  }

  /** The bottom, each representation, then each head: the units freeze, snapshot and the registry work in. */
  componentNames(): string[] {
    return ['bottom', ...REPRESENTATION_NAMES, ...this.headNames];
  }

  private kindOf(name: string): ComponentInfo['kind'] {
    return name === 'bottom' ? 'bottom' : isRepresentation(name) ? 'representation' : 'head';
  }

  /** Component names, with 'representations' expanded to the four. */
  private expand(components: string[]): string[] {
    const names = components.length ? components : this.componentNames();
    return names.flatMap((c) => (c === 'representations' ? [...REPRESENTATION_NAMES] : [c]));
  }

  components(): ComponentInfo[] {
    return this.componentNames().map((name) => {
      const layers = this.layersOf(name);
      const head = this.config.heads![name];
      const kind = this.kindOf(name);
      const outputShape =
        kind === 'bottom'
          ? layers.length
            ? [layers[layers.length - 1].outputShape as (number | null)[]]
            : []
          : this.outputs.has(name)
            ? [this.outputs.get(name)!.shape]
            : [];
      return {
        name,
        kind,
        task: head?.task,
        from: head ? sourcesOf(head) : isRepresentation(name) ? [representationSource(name)] : undefined,
        layers,
        params: layers.reduce((s, l) => s + l.countParams(), 0),
        frozen: this.frozenSet.has(name),
        outputShape,
      };
    });
  }

  /** Freezes components: their weights (batch-norm statistics included) do not change in training. */
  freeze(...components: string[]): this {
    for (const c of this.expand(components)) this.layersOf(c); // every name checked before anything changes
    for (const c of this.expand(components)) {
      for (const l of this.layersOf(c)) setFrozen(l, true);
      this.frozenSet.add(c);
    }
    return this;
  }

  unfreeze(...components: string[]): this {
    for (const c of this.expand(components)) this.layersOf(c);
    for (const c of this.expand(components)) {
      for (const l of this.layersOf(c)) setFrozen(l, false);
      this.frozenSet.delete(c);
    }
    return this;
  }

  get frozen(): string[] {
    return [...this.frozenSet];
  }

  /** Attaches a new head to the trained model: the rest keeps its weights. */
  addHead(name: string, head: HeadConfig): this {
    if (name in this.config.heads!) throw new ModelError(`head "${name}" exists: use replaceHead("${name}", ...)`);
    orderHeads({ ...this.config.heads!, [name]: head });
    this.attach(name, clone(head));
    this.config.heads![name] = clone(head);
    this.rebuild();
    return this;
  }

  /** Replaces a head with a fresh one (new weights); heads reading it are rebuilt on the new output. */
  replaceHead(name: string, head: HeadConfig): this {
    this.head(name);
    const readers = this.headNames.filter((h) => sourcesOf(this.config.heads![h]).includes(name));
    if (readers.length)
      throw new ModelError(`head "${name}" is read by ${readers.join(', ')}: remove or replace those first`);
    this.removeHead(name);
    return this.addHead(name, head);
  }

  removeHead(name: string): this {
    this.head(name);
    const readers = this.headNames.filter((h) => h !== name && sourcesOf(this.config.heads![h]).includes(name));
    if (readers.length) throw new ModelError(`head "${name}" is read by ${readers.join(', ')}`);
    const layers = this.layersOf(name);
    delete this.config.heads![name];
    this.outputs.delete(name);
    this.retrieval.get(name)?.dispose();
    this.retrieval.delete(name);
    this.frozenSet.delete(name);
    this.rebuild();
    for (const l of layers) l.dispose();
    return this;
  }

  // ---- versioning (lib/registry) ---------------------------------------------------------------

  snapshot(): ComponentSnapshot[] {
    const out: ComponentSnapshot[] = this.componentNames().map((name) => ({
      kind: this.kindOf(name),
      name,
      architecture: this.architecture(name),
      weights: this.layersOf(name).flatMap((l) =>
        l.weights.map((w): NamedWeight => {
          const v = w.read();
          return {
            name: `${l.name}/${w.originalName.split('/').pop()}`,
            shape: [...v.shape],
            dtype: v.dtype as 'float32' | 'int32',
            data: (v.dataSync() as Float32Array | Int32Array).slice(),
          };
        }),
      ),
    }));
    if (this.pipeline)
      out.push({ kind: 'pipeline', name: 'pipeline', architecture: this.pipeline.toJSON(), weights: [] });
    return out;
  }

  /** The part of the config a component's weights depend on: what makes two components the same. */
  private architecture(name: string): unknown {
    const c = this.config;
    if (name === 'bottom') return { input: c.input, bottom: c.bottom };
    if (isRepresentation(name)) {
      const from = representationSource(name);
      const input =
        from === 'bottom' ? (this.layersOf('bottom').at(-1)?.outputShape ?? c.input) : this.outputShape(from);
      return { representation: name, from: input, ...(c.representations[name] ?? {}) };
    }
    const head = this.head(name);
    return {
      head: { ...head, weight: undefined, metrics: undefined },
      inputs: sourcesOf(head).map((s) => this.outputs.get(s)?.shape),
    };
  }

  restore(components: ComponentSnapshot[]): void {
    for (const comp of components) {
      if (comp.kind === 'pipeline') continue;
      const layers = this.layersOf(comp.name);
      const weights = layers.flatMap((l) =>
        l.weights.map((w) => ({ w, name: `${l.name}/${w.originalName.split('/').pop()}` })),
      );
      if (weights.length !== comp.weights.length)
        throw new ModelError(
          `restore: component "${comp.name}" has ${weights.length} weights, the snapshot ${comp.weights.length}`,
        );
      weights.forEach(({ w, name }, i) => {
        const s = comp.weights[i];
        if (s.name !== name || s.shape.join() !== w.shape.join())
          throw new ModelError(
            `restore: component "${comp.name}" weight ${name} [${w.shape}] does not match the snapshot's ${s.name} [${s.shape}]`,
          );
        const t = tf.tensor(s.data, s.shape, s.dtype);
        w.write(t);
        t.dispose();
      });
    }
  }

  /** Builds the retrieve heads' index from these inputs (and optional labels per row). */
  index(x: tf.Tensor, labels?: ArrayLike<unknown>): this {
    for (const idx of this.retrieval.values()) {
      const reps = this.predict(x, { outputs: idx.from });
      idx.build(reps, labels);
      tf.dispose(Object.values(reps));
    }
    return this;
  }

  /** Total parameters. */
  countParams(): number {
    return this.built.countParams();
  }

  dispose(): void {
    for (const r of this.retrieval.values()) r.dispose();
    this.built.dispose();
    this.subModels.clear();
  }
}

const isRepresentation = (name: string): name is RepresentationName =>
  (REPRESENTATION_NAMES as readonly string[]).includes(name);

/** What each representation is computed from: the chain bottom → latent_high → latent_low → logits → probs. */
function representationSource(name: RepresentationName): string {
  const i = REPRESENTATION_NAMES.indexOf(name);
  return i === 0 ? 'bottom' : REPRESENTATION_NAMES[i - 1];
}

/** Freezing a batch-norm layer also stops its moving statistics (Keras semantics): it runs in inference mode. */
function setFrozen(layer: tf.layers.Layer, frozen: boolean): void {
  layer.trainable = !frozen;
  if (layer.getClassName() !== 'BatchNormalization') return;
  const l = layer as any;
  if (frozen && !l.__amalgamCall) {
    l.__amalgamCall = l.call;
    l.call = (inputs: unknown, kwargs: Record<string, unknown> = {}) =>
      l.__amalgamCall.call(l, inputs, { ...kwargs, training: false });
  } else if (!frozen && l.__amalgamCall) {
    l.call = l.__amalgamCall;
    delete l.__amalgamCall;
  }
}

function validateConfig(config: AmalgamConfig): void {
  if (!config || typeof config !== 'object')
    throw new ModelError(`amalgamate: expected a config object, got ${JSON.stringify(config)}`);
  if (!Array.isArray(config.input) || !config.input.length || config.input.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ModelError(
      `amalgamate: input must be the shape of one example, e.g. [28, 28, 1]; got ${JSON.stringify(config.input)}`,
    );
  }
  if (!config.bottom || typeof config.bottom !== 'object')
    throw new ModelError('amalgamate: bottom is missing (e.g. {blocks: [{conv: {filters: 32}}, {pool: {}}]})');
  if (!config.representations?.logits?.units)
    throw new ModelError(
      'amalgamate: representations.logits.units is missing (the number of classes of the main distribution)',
    );
}
