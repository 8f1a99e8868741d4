// Plain CSV straight into typed columns, in JS: the fast path of `load` for the common file (a header,
// one delimiter, no quoting; integers, decimals and text). DuckDB's reader parses in native code but
// its results cross into JS chunk by chunk through the binding (copies, wrappers, GC), which made
// the whole load twice pandas' time; this reader reads the file in 4 MB blocks and writes each field
// once into its column. Anything it does not handle exactly as DuckDB would (quotes, dates, booleans,
// leading zeros, exponents, ragged rows, a value that contradicts the column's type ...) makes it
// return undefined, and `readCsv` asks DuckDB, so the two paths never disagree.
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { aq, type ColumnTable } from '../aq';
import { currentSignal, InterruptedError } from '../../interrupt';

export interface PlainCsvOptions {
  delimiter: string;
  quote: string;
  nulls: string[];
  limit?: number;
}

/** Rows whose values decide each column's type (DuckDB's sniffer reads at least these). */
const SAMPLE = 1000;
const BLOCK = 1 << 22;
const NL = 10;
const CR = 13;

// Column kinds, by what a field can be.
const NULL = 0;
const INT = 1;
const DOUBLE = 2;
const TEXT = 3;
/** A field DuckDB might read as something this reader does not (a date, a boolean, "007", "1e5" ...). */
const OTHER = 4;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Whole-field words DuckDB reads as booleans or special numbers. */
const SPECIAL = new Set(['true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', 'on', 'off', 'inf', 'infinity', 'nan']);
/** Month or weekday names followed by a number: possible dates. */
const DATE_LIKE = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*[\s.,/-]*\d/i;

class Column {
  kind: number;
  i32: Int32Array | undefined;
  f64: Float64Array | undefined;
  text: (string | null)[] | undefined;
  nulls: number[] = [];
  constructor(kind: number, capacity: number) {
    this.kind = kind;
    if (kind === INT) this.i32 = new Int32Array(capacity);
    else if (kind === DOUBLE) this.f64 = new Float64Array(capacity);
    else this.text = [];
  }
  grow(capacity: number): void {
    const bigger = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as any)(capacity);
      b.set(a);
      return b;
    };
    if (this.i32) this.i32 = bigger(this.i32);
    if (this.f64) this.f64 = bigger(this.f64);
  }
  /** An integer outside int32: the column becomes float64 (exact up to 2^53, as DuckDB's BIGINT here). */
  widen(rows: number): void {
    const f = new Float64Array(this.i32!.length);
    for (let r = 0; r < rows; r++) f[r] = this.i32![r];
    this.f64 = f;
    this.i32 = undefined;
  }
  finish(rows: number): ArrayLike<unknown> {
    if (this.text) return this.text;
    const typed = (this.i32 ?? this.f64)!;
    const values = typed.length > rows * 1.25 + 64 ? typed.slice(0, rows) : typed.subarray(0, rows);
    if (!this.nulls.length) return values;
    // Typed arrays cannot hold null: a numeric column with nulls is a plain array (as from DuckDB).
    const plain: (number | null)[] = Array.from(values);
    for (const r of this.nulls) plain[r] = null;
    return plain;
  }
}

/** The table, or undefined when the file needs DuckDB's reader. */
export async function readPlainCsv(path: string, options: PlainCsvOptions): Promise<ColumnTable | undefined> {
  const delim = options.delimiter.charCodeAt(0);
  const quote = options.quote.charCodeAt(0);
  if (options.delimiter.length !== 1 || delim > 0x7f || delim === NL || delim === CR || delim === quote)
    return undefined;
  if (options.quote.length !== 1 || (options.limit !== undefined && options.limit < 1)) return undefined;
  const nulls = options.nulls.map((s) => Buffer.from(s));
  const limit = options.limit ?? Infinity;
  const signal = currentSignal();
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.min(BLOCK, size + 1));
    let filled = 0;
    let eof = false;
    /** Reads more of the file after the `keep` bytes at the start; the last line gets a newline if it had none. */
    // Blocking reads from the page cache take a millisecond a block; the loop below yields to the
    // event loop after each block, so the kernel still answers interrupts and heartbeats.
    const refill = (keep: number) => {
      if (keep === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, keep);
        buf = bigger;
      }
      filled = keep;
      while (!eof && filled < buf.length) {
        const bytesRead = readSync(fd, buf, filled, buf.length - filled, null);
        if (bytesRead === 0) eof = true;
        filled += bytesRead;
      }
      if (eof && filled > 0 && buf[filled - 1] !== NL) {
        if (filled === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length + 1);
          buf.copy(bigger);
          buf = bigger;
        }
        buf[filled++] = NL;
      }
    };
    refill(0);
    if (filled === 0 || (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)) return undefined;

    // Header: unique, non-empty names.
    const headerEnd = buf.indexOf(NL);
    if (headerEnd < 0) return undefined;
    const headerBytes = buf.subarray(0, headerEnd > 0 && buf[headerEnd - 1] === CR ? headerEnd - 1 : headerEnd);
    if (headerBytes.includes(quote) || headerBytes.includes(CR) || !isUtf8(headerBytes)) return undefined;
    const names = headerBytes.toString('utf8').split(options.delimiter);
    if (names.some((n) => !n || n.trim() !== n) || new Set(names).size !== names.length) return undefined;
    const ncols = names.length;
    let pos = headerEnd + 1;

    // Types from the first rows; every later field must fit its column's type.
    const sample = sampleKinds(buf, pos, lastNewline(buf, filled) + 1, ncols, delim, nulls);
    if (!sample) return undefined;
    const bytesPerRow = Math.max(1, sample.bytes / sample.rows);
    const capacity = Math.min(limit, Math.ceil(((size - pos) / bytesPerRow) * 1.05) + 64);
    const columns = sample.kinds.map((k) => new Column(k, capacity));
    const parser = new RowParser(columns, delim, nulls, capacity);

    for (;;) {
      const end = lastNewline(buf, filled) + 1;
      if (end === 0 && !eof) {
        refill(filled); // one line longer than the block
        continue;
      }
      if (!cleanBlock(buf, pos, end, quote)) return undefined;
      let stop: number;
      try {
        stop = parser.parse(buf, pos, end, limit);
      } catch (e) {
        if (e instanceof NotPlain) return undefined;
        throw e;
      }
      if (stop < 0) return undefined;
      if (parser.rows >= limit || (eof && end >= filled)) break;
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) throw new InterruptedError();
      buf.copy(buf, 0, end, filled);
      pos = 0;
      refill(filled - end);
      if (filled === 0) break;
    }
    if (parser.rows === 0) return undefined;
    return aq.table(Object.fromEntries(names.map((n, c) => [n, columns[c].finish(parser.rows)])), names);
  } finally {
    closeSync(fd);
  }
}

function lastNewline(buf: Buffer, filled: number): number {
  return filled > 0 ? buf.lastIndexOf(NL, filled - 1) : -1;
}

/** No quote characters, and carriage returns only before a newline. */
function cleanBlock(buf: Buffer, from: number, to: number, quote: number): boolean {
  const q = buf.indexOf(quote, from);
  if (q >= 0 && q < to) return false;
  for (let r = buf.indexOf(CR, from); r >= 0 && r < to; r = buf.indexOf(CR, r + 1)) if (buf[r + 1] !== NL) return false;
  return true;
}

function isNull(buf: Buffer, s: number, e: number, nulls: Buffer[]): boolean {
  const n = e - s;
  if (n === 0) return true;
  for (let k = 0; k < nulls.length; k++) {
    const str = nulls[k];
    if (str.length !== n) continue;
    let i = 0;
    while (i < n && str[i] === buf[s + i]) i++;
    if (i === n) return true;
  }
  return false;
}

/** What one field is: NULL, INT, DOUBLE, TEXT (DuckDB can only read it as text) or OTHER. */
function fieldKind(buf: Buffer, s: number, e: number, nulls: Buffer[]): number {
  if (isNull(buf, s, e, nulls)) return NULL;
  const first = buf[s];
  if (first === 45 || (first >= 48 && first <= 57)) {
    let i = first === 45 ? s + 1 : s;
    const start = i;
    while (i < e && buf[i] >= 48 && buf[i] <= 57) i++;
    const digits = i - start;
    if (digits === 0 || (buf[start] === 48 && digits > 1)) return OTHER;
    if (i === e) return digits <= 15 ? INT : OTHER;
    if (buf[i] !== 46) return OTHER;
    const dot = ++i;
    while (i < e && buf[i] >= 48 && buf[i] <= 57) i++;
    return i === e && i > dot ? DOUBLE : OTHER;
  }
  const letter = (first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first >= 0x80 || first === 95;
  const last = buf[e - 1];
  if (!letter || last === 32 || last === 9) return OTHER;
  if (e - s <= 8 && SPECIAL.has(buf.toString('latin1', s, e).toLowerCase())) return OTHER;
  if (
    /^t\d/i.test(buf.toString('latin1', s, Math.min(e, s + 2))) ||
    DATE_LIKE.test(buf.toString('latin1', s, Math.min(e, s + 16)))
  )
    return OTHER;
  return TEXT;
}

/** Column kinds from the first SAMPLE rows of [from, to); undefined for ragged rows or an undecidable column. */
function sampleKinds(buf: Buffer, from: number, to: number, ncols: number, delim: number, nulls: Buffer[]) {
  const seen = Array.from({ length: ncols }, () => new Uint8Array(5));
  let pos = from;
  let rows = 0;
  while (pos < to && rows < SAMPLE) {
    for (let c = 0; c < ncols; c++) {
      let e = pos;
      while (buf[e] !== delim && buf[e] !== NL) e++;
      const atEnd = buf[e] === NL;
      if (atEnd !== (c === ncols - 1)) return undefined;
      const fe = atEnd && e > pos && buf[e - 1] === CR ? e - 1 : e;
      seen[c][fieldKind(buf, pos, fe, nulls)] = 1;
      pos = e + 1;
    }
    rows++;
  }
  if (rows === 0) return undefined;
  const kinds: number[] = [];
  for (const s of seen) {
    if (s[TEXT]) kinds.push(TEXT);
    else if (s[OTHER] || !(s[INT] || s[DOUBLE])) return undefined;
    else kinds.push(s[DOUBLE] ? DOUBLE : INT);
  }
  return { kinds, rows, bytes: pos - from };
}

/** Cache of short ASCII strings by a hash of their bytes: repeated categories share one string. */
const CACHE = 4096;

class RowParser {
  rows = 0;
  private cache: (string | undefined)[] = new Array(CACHE);
  private longestNull: number;
  /** A null string that starts like a number ("-999") must be matched before parsing the number. */
  private numericNulls: boolean;
  constructor(
    private columns: Column[],
    private delim: number,
    private nulls: Buffer[],
    private capacity: number,
  ) {
    this.longestNull = Math.max(0, ...nulls.map((n) => n.length));
    this.numericNulls = nulls.some((n) => n[0] === 45 || (n[0] >= 48 && n[0] <= 57));
  }

  /** Parses the complete lines of [from, to); -1 when a field does not fit (the caller falls back). */
  parse(buf: Buffer, from: number, to: number, limit: number): number {
    const { columns, delim } = this;
    const ncols = columns.length;
    let pos = from;
    while (pos < to && this.rows < limit) {
      if (this.rows === this.capacity) {
        this.capacity = Math.ceil(this.capacity * 1.5) + 64;
        for (const col of columns) col.grow(this.capacity);
      }
      const r = this.rows;
      for (let c = 0; c < ncols; c++) {
        let e = pos;
        let b = buf[e];
        while (b !== delim && b !== NL) b = buf[++e];
        if ((b === NL) !== (c === ncols - 1)) return -1;
        const fe = b === NL && e > pos && buf[e - 1] === CR ? e - 1 : e;
        const col = columns[c];
        if (ncols === 1 && fe === pos) return -1; // a blank line: DuckDB's business
        if (col.kind === TEXT) col.text!.push(this.text(buf, pos, fe));
        else if (!this.number(col, buf, pos, fe, r)) return -1;
        pos = e + 1;
      }
      this.rows++;
    }
    return pos;
  }

  private number(col: Column, buf: Buffer, s: number, e: number, r: number): boolean {
    if (this.numericNulls && isNull(buf, s, e, this.nulls)) return this.nullField(col, buf, s, e, r);
    let i = s;
    let neg = false;
    if (buf[i] === 45) {
      neg = true;
      i++;
    }
    const start = i;
    let m = 0;
    while (i < e) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      m = m * 10 + d;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || (buf[start] === 48 && digits > 1)) return this.nullField(col, buf, s, e, r);
    if (i === e) {
      if (col.kind === DOUBLE) {
        const v = digits <= 15 ? m : Number(buf.toString('latin1', start, e));
        col.f64![r] = neg ? -v : v;
        return true;
      }
      if (digits > 15) return false;
      const v = neg && m !== 0 ? -m : m; // DuckDB reads "-0" as the integer 0
      if (col.i32) {
        if (v >= -2147483648 && v <= 2147483647) {
          col.i32[r] = v;
          return true;
        }
        col.widen(r);
      }
      col.f64![r] = v;
      return true;
    }
    if (col.kind !== DOUBLE || buf[i] !== 46) return false;
    const dot = ++i;
    while (i < e) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return false;
      m = m * 10 + d;
      i++;
    }
    const frac = i - dot;
    if (frac === 0) return false;
    // An integer mantissa below 2^53 over an exact power of ten rounds once: the correctly rounded
    // double, as DuckDB's parser gives; longer ones go through Number(), also correctly rounded.
    const v = digits + frac <= 15 ? m / POW10[frac] : Number(buf.toString('latin1', start, e));
    col.f64![r] = neg ? -v : v;
    return true;
  }

  private nullField(col: Column, buf: Buffer, s: number, e: number, r: number): boolean {
    if (!isNull(buf, s, e, this.nulls)) return false;
    col.nulls.push(r);
    if (col.i32) col.i32[r] = 0;
    else col.f64![r] = 0;
    return true;
  }

  private text(buf: Buffer, s: number, e: number): string | null {
    const n = e - s;
    if (n <= this.longestNull && isNull(buf, s, e, this.nulls)) return null;
    if (n > 24) return this.decode(buf, s, e);
    let h = n;
    for (let i = s; i < e; i++) {
      const b = buf[i];
      if (b > 0x7f) return this.decode(buf, s, e);
      h = Math.imul(h ^ b, 16777619);
    }
    const slot = (h ^ (h >>> 13)) & (CACHE - 1);
    const hit = this.cache[slot];
    if (hit !== undefined && hit.length === n) {
      let same = true;
      for (let k = 0; k < n; k++)
        if (hit.charCodeAt(k) !== buf[s + k]) {
          same = false;
          break;
        }
      if (same) return hit;
    }
    const str = buf.toString('latin1', s, e);
    this.cache[slot] = str;
    return str;
  }

  private decode(buf: Buffer, s: number, e: number): string {
    const bytes = buf.subarray(s, e);
    if (!isUtf8(bytes)) throw new NotPlain();
    return bytes.toString('utf8');
  }
}

/** Thrown inside the parser for a field DuckDB must read (invalid UTF-8); caught by readPlainCsv's caller. */
export class NotPlain extends Error {}
