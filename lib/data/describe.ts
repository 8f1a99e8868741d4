import { DISPLAY_SYMBOL, type MimeBundle } from '../display/bundle';
import { barsPng } from '../display/images';
import { type Cell, type TableView, tableBundle } from '../display/table';
import { VEGALITE_SCHEMA } from '../display/vegalite';
import { type ColumnTable, isColumnTable } from './aq';
import { IMAGE_COLUMN } from './dataset';
import { DataError } from './errors';
import { fromDanfo } from './interop';
import { formatCell, isDanfo } from './render';
import { columnArray, columnType } from './table';

export interface ColumnProfile {
  name: string;
  /** float64, int32, number, string, boolean, date, mixed ... */
  type: string;
  kind: 'numeric' | 'categorical' | 'date' | 'empty';
  count: number;
  missing: number;
  distinct: number;
  min?: number | string;
  max?: number | string;
  mean?: number;
  std?: number;
  /** 25th, 50th, 75th percentiles (numeric columns). */
  quartiles?: [number, number, number];
  /** Most frequent values (categorical columns), most frequent first. */
  top?: { value: string; count: number }[];
  /** Histogram for numeric columns: bin edges (bins + 1) and counts. */
  histogram?: { edges: number[]; counts: number[] };
}

export interface Profile {
  rows: number;
  columns: ColumnProfile[];
  /** A Vega-Lite spec: one small histogram or bar chart per column. */
  chart(): Record<string, unknown>;
  [DISPLAY_SYMBOL](): MimeBundle;
}

const BINS = 20;
const TOP = 5;

const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** The k-th smallest of xs[from..n) (that range is reordered): Hoare quickselect, O(n) on average. */
function select(xs: Float64Array, from: number, n: number, k: number): number {
  let lo = from;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three as pivot
    const a = xs[lo],
      b = xs[mid],
      c = xs[hi];
    const pivot = a < b ? (b < c ? b : Math.max(a, c)) : a < c ? a : Math.max(b, c);
    let i = lo,
      j = hi;
    while (i <= j) {
      while (xs[i] < pivot) i++;
      while (xs[j] > pivot) j--;
      if (i <= j) {
        const t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k];
  }
  return xs[k];
}

const BUCKETS = 4096;

/**
 * 25th, 50th and 75th percentiles by linear interpolation between order statistics, as pandas does.
 * The order statistics come from a bucket count: one pass counts values into 4,096 equal-width
 * buckets between min and max (monotone, so ranks are preserved), a second gathers only the buckets
 * holding the wanted ranks, which are then sorted. Exact, and two passes instead of a selection per
 * rank; a bucket holding most of the values (heavy ties or tails) falls back to quickselect.
 */
function quartiles(xs: Float64Array, n: number, min: number, max: number, scratch: Scratch): number[] {
  const ats = [0.25, 0.5, 0.75].map((f) => (n - 1) * f);
  const ranks = ats.flatMap((at) => [Math.floor(at), Math.min(Math.floor(at) + 1, n - 1)]);
  const order = (values: number[]) =>
    ats.map((at, q) => {
      const lo = Math.floor(at);
      const a = values[2 * q];
      return at === lo ? a : a + (values[2 * q + 1] - a) * (at - lo);
    });
  if (max === min) return order(ranks.map(() => min));
  const scale = BUCKETS / (max - min);
  const ids = scratch.ids(n);
  const counts = new Int32Array(BUCKETS + 1);
  for (let i = 0; i < n; i++) {
    const b = ((xs[i] - min) * scale) | 0;
    const id = b < BUCKETS ? b : BUCKETS - 1;
    ids[i] = id;
    counts[id + 1]++;
  }
  for (let b = 0; b < BUCKETS; b++) counts[b + 1] += counts[b]; // counts[b] = first rank in bucket b
  const bucketOf = (r: number) => {
    let lo = 0,
      hi = BUCKETS - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (counts[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const wanted = [...new Set(ranks.map(bucketOf))];
  if (wanted.some((b) => counts[b + 1] - counts[b] > n / 4)) {
    let from = 0;
    return order(
      ranks.map((r, i) => {
        if (i % 2 === 0) {
          const v = select(xs, from, n, r);
          from = r;
          return v;
        }
        let next = xs[r]; // rank lo + 1: the smallest value right of lo once lo is selected
        for (let j = r + 1; j < n; j++) if (xs[j] < next) next = xs[j];
        return next;
      }),
    );
  }
  // The wanted buckets' values, bucket after bucket, each sorted.
  const start = new Int32Array(BUCKETS).fill(-1);
  let size = 0;
  for (const b of wanted) {
    start[b] = size;
    size += counts[b + 1] - counts[b];
  }
  const members = new Float64Array(size);
  const cursor = Int32Array.from(start);
  for (let i = 0; i < n; i++) {
    const at = cursor[ids[i]];
    if (at >= 0) {
      members[at] = xs[i];
      cursor[ids[i]] = at + 1;
    }
  }
  for (const b of wanted) members.subarray(start[b], start[b] + counts[b + 1] - counts[b]).sort();
  return order(
    ranks.map((r) => {
      const b = bucketOf(r);
      return members[start[b] + r - counts[b]];
    }),
  );
}

/** Buffers reused from column to column: fresh memory is slow to touch on this class of machine. */
class Scratch {
  private xsBuf = new Float64Array(0);
  private idsBuf = new Uint16Array(0);
  private tableBuf = new Float64Array(0);
  xs(n: number): Float64Array {
    if (this.xsBuf.length < n) this.xsBuf = new Float64Array(n);
    return this.xsBuf;
  }
  ids(n: number): Uint16Array {
    if (this.idsBuf.length < n) this.idsBuf = new Uint16Array(n);
    return this.idsBuf;
  }
  private bytesBuf = new Uint8Array(0);
  bytes(size: number): Uint8Array {
    if (this.bytesBuf.length < size) this.bytesBuf = new Uint8Array(size);
    return this.bytesBuf.subarray(0, size).fill(0);
  }
  table(size: number): Float64Array {
    if (this.tableBuf.length < size) this.tableBuf = new Float64Array(size);
    return this.tableBuf.subarray(0, size).fill(NaN);
  }
}

/** Distinct count of integers spanning `range` values from `min`, with one flag byte per value. */
function distinctInts(xs: Float64Array, n: number, min: number, range: number, scratch: Scratch): number {
  const seen = scratch.bytes(range);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const at = xs[i] - min;
    if (seen[at] === 0) {
      seen[at] = 1;
      count++;
    }
  }
  return count;
}

/** Distinct count of doubles with an open-addressing hash set over their bits (no sort, no Map). */
function distinctCount(xs: Float64Array, n: number, scratch: Scratch): number {
  let size = 1024;
  while (size < n * 2) size <<= 1;
  const table = scratch.table(size);
  const cell = new Float64Array(1);
  const bits = new Uint32Array(cell.buffer);
  const mask = size - 1;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] + 0; // -0 and 0 are one value
    cell[0] = x;
    let h = Math.imul(bits[0] ^ Math.imul(bits[1], 0x9e3779b1), 0x85ebca6b);
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const t = table[h];
      if (t !== t) {
        table[h] = x;
        count++;
        break;
      }
      if (t === x) break;
      h = (h + 1) & mask;
    }
  }
  return count;
}

/** The non-missing values of a column as doubles, in a fresh Float64Array (reordered later by selection). */
function numbersOf(values: ArrayLike<unknown>, scratch: Scratch): { xs: Float64Array; k: number; ints?: boolean } {
  const n = values.length;
  const xs = scratch.xs(n);
  if (values instanceof Float64Array || values instanceof Float32Array) {
    // Typed float arrays hold only numbers: NaN is the one missing value.
    xs.set(values);
    return { xs, k: dropNaN(xs, n) };
  }
  if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array)) {
    xs.set(values as unknown as ArrayLike<number>); // integer arrays: no missing values at all
    return { xs, k: n, ints: true };
  }
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (isMissing(v)) continue;
    xs[k++] = typeof v === 'number' ? v : Number(v);
  }
  return { xs, k };
}

/** Compacts the non-NaN values to the front; returns their count. */
function dropNaN(xs: Float64Array, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x === x) xs[k++] = x;
  }
  return k;
}

function numericProfile(p: ColumnProfile, values: ArrayLike<unknown>, scratch: Scratch): void {
  const n = values.length;
  const { xs, k, ints } = numbersOf(values, scratch);
  p.count = k;
  p.missing = n - k;
  if (k === 0) {
    p.kind = 'empty';
    p.distinct = 0;
    return;
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < k; i++) {
    const x = xs[i];
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / k;
  const distinct =
    ints && max - min < 4 * k ? distinctInts(xs, k, min, max - min + 1, scratch) : distinctCount(xs, k, scratch);
  const bins = max === min ? 1 : Math.min(BINS, distinct);
  const width = (max - min) / bins || 1;
  const counts = new Float64Array(bins);
  let sq = 0;
  // One pass for the variance and the histogram.
  for (let i = 0; i < k; i++) {
    const x = xs[i];
    const d = x - mean;
    sq += d * d;
    const b = Math.floor((x - min) / width);
    counts[b < bins ? b : bins - 1]++;
  }
  Object.assign(p, {
    min,
    max,
    mean,
    std: k > 1 ? Math.sqrt(sq / (k - 1)) : 0,
    distinct,
    quartiles: quartiles(xs, k, min, max, scratch),
    histogram: { edges: Array.from({ length: bins + 1 }, (_, i) => min + i * width), counts: Array.from(counts) },
  });
}

function categoricalProfile(p: ColumnProfile, values: ArrayLike<unknown>): void {
  const counts = new Map<unknown, number>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) {
      missing++;
      continue;
    }
    const key = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : v;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  p.missing = missing;
  p.count = values.length - missing;
  p.distinct = counts.size;
  if (p.count === 0) {
    p.kind = 'empty';
    return;
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  p.top = top.map(([value, count]) => ({ value: String(value), count }));
  if (p.kind === 'date') {
    const keys = [...counts.keys()].map(String).sort();
    p.min = keys[0];
    p.max = keys[keys.length - 1];
  }
}

/** Profiles every column: type, count, missing, distinct, min/max/mean/std/quartiles or top values, histogram. */
export function describe(source: ColumnTable | unknown): Profile {
  const table = isColumnTable(source) ? source : isDanfo(source) ? fromDanfo(source) : undefined;
  if (!table) throw new DataError('describe: expected an arquero table or a danfo DataFrame');
  const scratch = new Scratch();
  // A dataset's images are profiled by what they are (its summary), not as values.
  const columns = table
    .columnNames()
    .filter((name) => name !== IMAGE_COLUMN)
    .map((name) => {
      const type = columnType(table, name);
      const values = columnArray(table, name);
      const numeric = ArrayBuffer.isView(values) || type === 'number' || type === 'bigint';
      const p: ColumnProfile = {
        name,
        type,
        kind: numeric ? 'numeric' : type === 'date' ? 'date' : type === 'null' ? 'empty' : 'categorical',
        count: 0,
        missing: 0,
        distinct: 0,
      };
      if (numeric) numericProfile(p, values, scratch);
      else categoricalProfile(p, values);
      return p;
    });
  const rows = table.numRows();
  return {
    rows,
    columns,
    chart: () => profileChart(columns),
    [DISPLAY_SYMBOL]: () => tableBundle(profileView(rows, columns)),
  };
}

const num = (v: number | string | undefined) =>
  v === undefined ? '' : typeof v === 'number' ? formatCell(Number(v.toPrecision(4))) : String(v);

/** The histogram or top-value bars as a small PNG (kept by nbconvert and untrusted notebooks). */
function sparkline(p: ColumnProfile): Cell {
  const counts = p.histogram?.counts ?? p.top?.map((t) => t.count);
  if (!counts?.length) return '';
  const what = p.histogram ? 'histogram' : 'top values';
  return { html: `<img src="${barsPng(counts)}" width="100" height="24" alt="${what}" title="${what}">`, text: '' };
}

function profileView(rows: number, cols: ColumnProfile[]): TableView {
  return {
    index: true,
    columns: [
      'column',
      'type',
      'count',
      'missing',
      'distinct',
      'min',
      'max',
      'mean',
      'std',
      'top values',
      'distribution',
    ],
    rows: cols.map((p) => [
      p.name,
      p.type,
      p.count,
      p.missing ? `${p.missing.toLocaleString('en-US')} (${((100 * p.missing) / Math.max(rows, 1)).toFixed(1)}%)` : '0',
      p.distinct,
      num(p.min),
      num(p.max),
      num(p.mean),
      num(p.std),
      p.top
        ? p.top
            .slice(0, 3)
            .map((t) => `${t.value} (${t.count})`)
            .join(', ')
        : p.quartiles
          ? `quartiles ${p.quartiles.map(num).join(' / ')}`
          : '',
      sparkline(p),
    ]),
    footer: `profile of ${rows.toLocaleString('en-US')} rows × ${cols.length} columns`,
    maxTextWidth: 40,
  };
}

/** One small chart per column: binned histograms for numbers, top-value bars otherwise. Data is pre-aggregated, so the spec stays small. */
function profileChart(cols: ColumnProfile[]): Record<string, unknown> {
  const charts = cols
    .filter((p) => p.histogram || p.top)
    .map((p) => {
      if (p.histogram) {
        const { edges, counts } = p.histogram;
        return {
          title: p.name,
          width: 160,
          height: 80,
          data: { values: counts.map((c, i) => ({ start: edges[i], end: edges[i + 1], count: c })) },
          mark: { type: 'bar', tooltip: true },
          encoding: {
            x: { field: 'start', type: 'quantitative', bin: { binned: true }, title: null },
            x2: { field: 'end' },
            y: { field: 'count', type: 'quantitative', title: null },
          },
        };
      }
      return {
        title: p.name,
        width: 160,
        height: 80,
        data: { values: p.top!.map((t) => ({ value: t.value, count: t.count })) },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'value', type: 'nominal', sort: '-x', title: null },
          x: { field: 'count', type: 'quantitative', title: null },
        },
      };
    });
  return { $schema: VEGALITE_SCHEMA, columns: 4, concat: charts, config: { view: { stroke: null } } };
}
