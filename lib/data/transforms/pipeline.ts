// A fitted transform pipeline is plain JSON: every step is its spec plus what fitting learned
// (means, classes, fill values). It travels with a trained model (registry, serving) and
// `apply` repeats exactly the same transforms; `hash()` identifies it.
import { DISPLAY_SYMBOL, escapeHtml, type MimeBundle } from '../../display/bundle';
import { aq, type ColumnTable, isColumnTable } from '../aq';
import type { Dataset } from '../datasets';
import { DataError, requireColumn } from '../errors';
import { sha256 } from '../files';
import { columnArray } from '../table';

export type StepSpec =
  | {
      type: 'impute';
      columns: string[];
      strategy?: 'mean' | 'median' | 'most_frequent' | 'constant';
      value?: number | string;
    }
  | { type: 'standardize'; columns: string[] }
  | { type: 'minmax'; columns: string[]; range?: [number, number] }
  | { type: 'label'; column: string; classes?: string[] }
  | { type: 'onehot'; column: string; classes?: string[] }
  | { type: 'drop'; columns: string[] }
  | { type: 'images'; scale?: 'max' | 'standardize'; shape?: [number, number, number] };

export type Step = StepSpec & { fitted?: Record<string, any> };

export interface PipelineJSON {
  format: 'amalgam.pipeline';
  version: 1;
  steps: Step[];
}

type Data = ColumnTable | Dataset;
const STEP_TYPES = ['impute', 'standardize', 'minmax', 'label', 'onehot', 'drop', 'images'];
const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

function tableOf(data: Data): ColumnTable {
  if (isColumnTable(data)) return data;
  if (data && isColumnTable((data as Dataset).table)) return (data as Dataset).table;
  throw new DataError('pipeline: expected an arquero table or a Dataset');
}

function numbers(table: ColumnTable, column: string, step: string): number[] {
  requireColumn(table.columnNames(), column, `pipeline step ${step}`);
  const values = columnArray(table, column);
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    if (typeof v !== 'number')
      throw new DataError(`pipeline step ${step}: column "${column}" row ${i} is ${JSON.stringify(v)}, not a number`, {
        column,
      });
    out.push(v);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
function median(xs: number[]): number {
  const s = Float64Array.from(xs).sort();
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
}
function mostFrequent(values: ArrayLike<unknown>): unknown {
  const counts = new Map<unknown, number>();
  for (let i = 0; i < values.length; i++)
    if (!isMissing(values[i])) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
  let best: unknown = null;
  let n = 0;
  for (const [v, c] of counts)
    if (c > n) {
      best = v;
      n = c;
    }
  return best;
}
function sortedClasses(values: ArrayLike<unknown>): string[] {
  const set = new Set<string>();
  for (let i = 0; i < values.length; i++) if (!isMissing(values[i])) set.add(String(values[i]));
  return [...set].sort((a, b) => (Number.isFinite(+a) && Number.isFinite(+b) ? +a - +b : a < b ? -1 : a > b ? 1 : 0));
}

function fitStep(step: StepSpec, data: Data): Step {
  const table = tableOf(data);
  switch (step.type) {
    case 'impute': {
      const strategy = step.strategy ?? 'mean';
      const values: Record<string, unknown> = {};
      for (const c of step.columns) {
        requireColumn(table.columnNames(), c, 'pipeline step impute');
        values[c] =
          strategy === 'constant'
            ? step.value
            : strategy === 'most_frequent'
              ? mostFrequent(columnArray(table, c))
              : strategy === 'median'
                ? median(numbers(table, c, 'impute'))
                : mean(numbers(table, c, 'impute'));
        if (values[c] === undefined) throw new DataError(`pipeline step impute: strategy 'constant' needs a value`);
      }
      return { ...step, fitted: { values } };
    }
    case 'standardize': {
      const m: Record<string, number> = {};
      const s: Record<string, number> = {};
      for (const c of step.columns) {
        const xs = numbers(table, c, 'standardize');
        m[c] = mean(xs);
        s[c] = Math.sqrt(xs.reduce((a, x) => a + (x - m[c]) ** 2, 0) / Math.max(xs.length - 1, 1)) || 1;
      }
      return { ...step, fitted: { mean: m, std: s } };
    }
    case 'minmax': {
      const min: Record<string, number> = {};
      const max: Record<string, number> = {};
      for (const c of step.columns) {
        const xs = numbers(table, c, 'minmax');
        min[c] = xs.reduce((a, b) => Math.min(a, b), Infinity);
        max[c] = xs.reduce((a, b) => Math.max(a, b), -Infinity);
      }
      return { ...step, fitted: { min, max } };
    }
    case 'label':
    case 'onehot': {
      requireColumn(table.columnNames(), step.column, `pipeline step ${step.type}`);
      return { ...step, fitted: { classes: step.classes ?? sortedClasses(columnArray(table, step.column)) } };
    }
    case 'drop':
      for (const c of step.columns) requireColumn(table.columnNames(), c, 'pipeline step drop');
      return { ...step, fitted: {} };
    case 'images': {
      const images = (data as Dataset).images;
      if (!images) throw new DataError('pipeline step images: the data has no images (use a Dataset from loadDataset)');
      if ((step.scale ?? 'max') === 'max') return { ...step, fitted: { scale: 1 / (images.max ?? 255), offset: 0 } };
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < images.data.length; i++) {
        sum += images.data[i];
        sq += images.data[i] ** 2;
      }
      const mu = sum / images.data.length;
      const sd = Math.sqrt(Math.max(sq / images.data.length - mu * mu, 0)) || 1;
      return { ...step, fitted: { scale: 1 / sd, offset: -mu / sd } };
    }
    default:
      throw new DataError(`pipeline: unknown step type "${(step as any).type}"; one of ${STEP_TYPES.join(', ')}`);
  }
}

function applyStep(step: Step, data: Data): Data {
  if (!step.fitted) throw new DataError(`pipeline step ${step.type} is not fitted: call fit() first`);
  const table = tableOf(data);
  const f = step.fitted;
  const withTable = (t: ColumnTable): Data => (isColumnTable(data) ? t : { ...(data as Dataset), table: t });
  const mapNumeric = (columns: string[], fn: (x: number, c: string) => number) => {
    const out: Record<string, Float64Array> = {};
    for (const c of columns) {
      requireColumn(table.columnNames(), c, `pipeline step ${step.type}`);
      const values = columnArray(table, c);
      const col = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) col[i] = isMissing(values[i]) ? NaN : fn(Number(values[i]), c);
      out[c] = col;
    }
    return withTable(table.assign(aq.table(out)));
  };
  switch (step.type) {
    case 'impute': {
      const out: Record<string, unknown[] | Float64Array> = {};
      for (const c of step.columns) {
        requireColumn(table.columnNames(), c, 'pipeline step impute');
        const values = columnArray(table, c);
        const fill = f.values[c];
        const col = typeof fill === 'number' ? new Float64Array(values.length) : new Array(values.length);
        for (let i = 0; i < values.length; i++) col[i] = isMissing(values[i]) ? fill : values[i];
        out[c] = col;
      }
      return withTable(table.assign(aq.table(out)));
    }
    case 'standardize':
      return mapNumeric(step.columns, (x, c) => (x - f.mean[c]) / f.std[c]);
    case 'minmax': {
      const [lo, hi] = step.range ?? [0, 1];
      return mapNumeric(step.columns, (x, c) => lo + ((x - f.min[c]) / (f.max[c] - f.min[c] || 1)) * (hi - lo));
    }
    case 'label': {
      requireColumn(table.columnNames(), step.column, 'pipeline step label');
      const index = new Map<string, number>(f.classes.map((c: string, i: number) => [c, i]));
      const values = columnArray(table, step.column);
      const codes = new Int32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const code = index.get(String(values[i]));
        if (code === undefined)
          throw new DataError(
            `pipeline step label: column "${step.column}" row ${i} has "${values[i]}", not one of the fitted classes ${f.classes.join(', ')}`,
            { column: step.column },
          );
        codes[i] = code;
      }
      return withTable(table.assign(aq.table({ [step.column]: codes })));
    }
    case 'onehot': {
      requireColumn(table.columnNames(), step.column, 'pipeline step onehot');
      const values = columnArray(table, step.column);
      const cols: Record<string, Uint8Array> = Object.fromEntries(
        f.classes.map((c: string) => [`${step.column}=${c}`, new Uint8Array(values.length)]),
      );
      const names = f.classes.map((c: string) => `${step.column}=${c}`);
      const index = new Map<string, number>(f.classes.map((c: string, i: number) => [c, i]));
      // Values unseen in fitting get all zeros, as serving must not fail on a new category.
      for (let i = 0; i < values.length; i++) {
        const k = index.get(String(values[i]));
        if (k !== undefined) cols[names[k]][i] = 1;
      }
      return withTable(table.assign(aq.table(cols)).select(aq.not(step.column)));
    }
    case 'drop':
      return withTable(table.select(aq.not(...step.columns)));
    case 'images': {
      const ds = data as Dataset;
      if (!ds.images) throw new DataError('pipeline step images: the data has no images');
      const src = ds.images.data;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = src[i] * f.scale + f.offset;
      const n = ds.images.shape[0];
      const shape = (step.shape ? [n, ...step.shape] : ds.images.shape) as [number, number, number, number];
      if (shape[1] * shape[2] * shape[3] * n !== out.length)
        throw new DataError(
          `pipeline step images: cannot reshape ${ds.images.shape.slice(1).join('×')} images to ${step.shape!.join('×')}`,
        );
      return { ...ds, images: { data: out, shape, max: 1 } };
    }
  }
}

export class Pipeline {
  readonly steps: readonly Step[];

  constructor(steps: readonly (Step | StepSpec)[]) {
    for (const s of steps)
      if (!STEP_TYPES.includes((s as any)?.type))
        throw new DataError(`pipeline: unknown step type "${(s as any)?.type}"; one of ${STEP_TYPES.join(', ')}`);
    this.steps = steps.map((s) => JSON.parse(JSON.stringify(s)));
  }

  get fitted(): boolean {
    return this.steps.every((s) => s.fitted);
  }

  /** A fitted copy: each step learns from the output of the steps before it. */
  fit(data: Data): Pipeline {
    const fitted: Step[] = [];
    let current = data;
    for (const spec of this.steps) {
      const step = fitStep(spec, current);
      fitted.push(step);
      current = applyStep(step, current);
    }
    return new Pipeline(fitted);
  }

  /** Applies the fitted steps; a table gives a table, a Dataset gives a Dataset (images transformed too). */
  apply(data: ColumnTable): ColumnTable;
  apply(data: Dataset): Dataset;
  apply(data: Data): Data {
    let current = data;
    for (const step of this.steps) {
      if (step.type === 'images' && isColumnTable(current)) continue; // tables carry no images
      current = applyStep(step, current);
    }
    return current;
  }

  toJSON(): PipelineJSON {
    return { format: 'amalgam.pipeline', version: 1, steps: JSON.parse(JSON.stringify(this.steps)) };
  }

  static fromJSON(json: PipelineJSON | string): Pipeline {
    const value = typeof json === 'string' ? JSON.parse(json) : json;
    if (value?.format !== 'amalgam.pipeline' || value.version !== 1 || !Array.isArray(value.steps)) {
      throw new DataError(
        'Pipeline.fromJSON: not an amalgam pipeline (expected {format: "amalgam.pipeline", version: 1, steps})',
      );
    }
    return new Pipeline(value.steps);
  }

  /** sha256 of the canonical JSON (keys sorted): equal pipelines, equal hashes. */
  hash(): string {
    return sha256(canonical(this.toJSON()));
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    const rows = this.steps
      .map((s, i) => {
        const { type, fitted, ...spec } = s as any;
        return `<tr><td>${i + 1}</td><td>${escapeHtml(type)}</td><td><code>${escapeHtml(JSON.stringify(spec))}</code></td><td><code>${escapeHtml(fitted ? abbreviate(fitted) : 'not fitted')}</code></td></tr>`;
      })
      .join('');
    return {
      'text/html': `<table><thead><tr><th>#</th><th>step</th><th>spec</th><th>fitted</th></tr></thead><tbody>${rows}</tbody></table><p><small>pipeline ${this.fitted ? `sha256 ${this.hash().slice(0, 12)}` : '(not fitted)'}</small></p>`,
      'text/plain': `Pipeline ${this.fitted ? this.hash().slice(0, 12) : '(not fitted)'}\n${this.steps.map((s, i) => `${i + 1}. ${s.type} ${JSON.stringify({ ...s, type: undefined, fitted: undefined })}`).join('\n')}`,
    };
  }
}

function abbreviate(v: unknown): string {
  const text = JSON.stringify(v);
  return text.length > 120 ? text.slice(0, 117) + '…' : text;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as any)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A pipeline of steps, unfitted: `pipeline([...]).fit(train)` then `.apply(test)`. */
export function pipeline(steps: (Step | StepSpec)[]): Pipeline {
  return new Pipeline(steps);
}
