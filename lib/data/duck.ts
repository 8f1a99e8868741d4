// The embedded DuckDB: one in-process database per session, created on first use. Results come back
// as arquero tables column by column: numeric vectors are copied chunk-wise from DuckDB's own typed
// arrays (no per-value conversion), strings are decoded once. @duckdb/node-api has no Arrow export,
// so this columnar copy is the bridge.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBMaterializedResult, DuckDBType } from '@duckdb/node-api';
import { aq, type ColumnTable } from './aq';
import { columnArray } from './table';

type Duck = typeof import('@duckdb/node-api');
let duckModule: Duck | undefined;
const duck = (): Duck => (duckModule ??= require('@duckdb/node-api'));

let connecting: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;

/** The session's DuckDB connection. Spills to $TMPDIR/amalgam-duckdb when a query outgrows memory. */
export function connection(): Promise<DuckDBConnection> {
  connecting ??= (async () => {
    const spill = join(tmpdir(), `amalgam-duckdb-${process.pid}`);
    mkdirSync(spill, { recursive: true });
    const instance = await duck().DuckDBInstance.create(':memory:', { temp_directory: spill });
    return { instance, connection: await instance.connect() };
  })();
  return connecting.then((c) => c.connection);
}

/** Closes the database (tables registered from the session are dropped with it). */
export async function closeDuckDB(): Promise<void> {
  const c = await connecting;
  connecting = undefined;
  c?.connection.closeSync();
  c?.instance.closeSync();
  registered = new WeakMap();
}

type Column = ArrayLike<unknown> & { length: number };

/** Pushes the positions of null items. Reads DuckDB's validity bitmask bytes directly (its BigInt accessor is slow). */
function collectNulls(vector: any, count: number, offset: number, out: number[]): void {
  const validity = vector.validity;
  const words: BigUint64Array | null = validity?.data;
  if (!words) return;
  const base = validity.offset ?? 0;
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  for (let i = 0; i < count; i++) {
    const bit = base + i;
    const byte = bytes[bit >> 3];
    if (byte === 255 && (bit & 7) === 0 && i + 8 <= count) {
      i += 7;
      continue;
    }
    if (((byte >> (bit & 7)) & 1) === 0) out.push(offset + i);
  }
}
type Sink = {
  column: any;
  nulls: number[];
  /** 64-bit integers seen so far all fit in int32 (the column is then an Int32Array). */
  int32?: boolean;
  set(vector: any, offset: number, count: number): void;
};

/** A column builder for one DuckDB type: typed arrays for numbers, plain arrays otherwise. */
function sinkFor(type: DuckDBType, rows: number): Sink {
  const T = duck().DuckDBTypeId;
  const typed = (Ctor: any) => ({
    column: new Ctor(rows),
    nulls: [] as number[],
    set(vector: any, offset: number, count: number) {
      this.column.set(vector.items.subarray(0, count), offset);
      collectNulls(vector, count, offset, this.nulls);
    },
  });
  const converted = (convert: (v: any) => unknown, Ctor: any = Array) => ({
    column: new Ctor(rows),
    nulls: [] as number[],
    set(vector: any, offset: number, count: number) {
      for (let i = 0; i < count; i++) {
        const v = vector.getItem(i);
        if (v === null) {
          this.nulls.push(offset + i);
          if (Ctor === Array) this.column[offset + i] = null;
        } else this.column[offset + i] = convert(v);
      }
    },
  });
  switch (type.typeId) {
    case T.DOUBLE:
      return typed(Float64Array);
    case T.FLOAT:
      return typed(Float32Array);
    case T.INTEGER:
      return typed(Int32Array);
    case T.SMALLINT:
      return typed(Int16Array);
    case T.TINYINT:
      return typed(Int8Array);
    case T.UINTEGER:
      return typed(Uint32Array);
    case T.USMALLINT:
      return typed(Uint16Array);
    case T.UTINYINT:
      return typed(Uint8Array);
    // 64-bit integers become doubles: exact up to 2^53, which covers counts, ids and keys in practice.
    case T.BIGINT:
    case T.UBIGINT:
      return {
        column: new Float64Array(rows),
        nulls: [] as number[],
        int32: true,
        set(vector: any, offset: number, count: number) {
          // Read each 64-bit integer as two 32-bit halves: much faster than BigInt -> Number.
          const items: BigInt64Array | BigUint64Array = vector.items;
          const lo = new Uint32Array(items.buffer, items.byteOffset, count * 2);
          const hi = items instanceof BigInt64Array ? new Int32Array(items.buffer, items.byteOffset, count * 2) : lo;
          const column: Float64Array = this.column;
          let fits = this.int32;
          for (let i = 0; i < count; i++) {
            const v = hi[2 * i + 1] * 4294967296 + lo[2 * i];
            column[offset + i] = v;
            if (v < -2147483648 || v > 2147483647) fits = false;
          }
          this.int32 = fits;
          collectNulls(vector, count, offset, this.nulls);
        },
      };
    case T.HUGEINT:
    case T.UHUGEINT:
      return converted(Number, Float64Array);
    case T.DECIMAL:
      return converted((v) => Number(String(v)), Float64Array);
    case T.VARCHAR:
      return {
        column: new Array(rows),
        nulls: [] as number[],
        set(vector: any, offset: number, count: number) {
          collectNulls(vector, count, offset, this.nulls);
          const view: DataView | undefined = vector.dataView;
          for (let i = 0; i < count; i++)
            this.column[offset + i] = view ? (inlineAscii(view, i) ?? vector.getItem(i)) : vector.getItem(i);
          for (const at of this.nulls) if (at >= offset) this.column[at] = null;
        },
      };
    case T.BOOLEAN:
      return converted((v) => v);
    case T.DATE:
    case T.TIMESTAMP:
    case T.TIMESTAMP_S:
    case T.TIMESTAMP_MS:
    case T.TIMESTAMP_NS:
    case T.TIMESTAMP_TZ:
      return converted((v) => toDate(v));
    default:
      return converted((v) =>
        typeof v === 'object' && v !== null && typeof v.toString === 'function' ? v.toString() : v,
      );
  }
}

/**
 * DuckDB keeps strings of up to 12 bytes inline in the vector (4-byte length, then the bytes).
 * ASCII ones are read here directly, which is several times faster than a TextDecoder per value;
 * anything else returns undefined and goes through the library.
 */
function inlineAscii(view: DataView, item: number): string | undefined {
  const at = item * 16;
  const length = view.getUint32(at, true);
  if (length > 12) return undefined;
  let out = '';
  for (let k = 0; k < length; k++) {
    const b = view.getUint8(at + 4 + k);
    if (b > 0x7f) return undefined;
    out += String.fromCharCode(b);
  }
  return out;
}

function toDate(v: any): Date | string {
  const text = String(v);
  const d = new Date(
    /^\d{4}-\d\d-\d\d$/.test(text)
      ? `${text}T00:00:00Z`
      : text.replace(' ', 'T') + (/[+-]\d\d(:?\d\d)?$|Z$/.test(text) ? '' : 'Z'),
  );
  return Number.isNaN(d.getTime()) ? text : d;
}

/** Reads a whole result into an arquero table. (Materialized results read about twice as fast as streamed chunks.) */
export function resultToTable(result: DuckDBMaterializedResult): ColumnTable {
  const names = result.columnNames();
  const types = result.columnTypes();
  const chunks = [];
  let rows = 0;
  for (let i = 0; i < result.chunkCount; i++) {
    const chunk = result.getChunk(i);
    chunks.push(chunk);
    rows += chunk.rowCount;
  }
  const sinks = types.map((t) => sinkFor(t, rows));
  let offset = 0;
  for (const chunk of chunks) {
    for (let c = 0; c < names.length; c++) sinks[c].set(chunk.getColumnVector(c), offset, chunk.rowCount);
    offset += chunk.rowCount;
  }
  const columns: Record<string, Column> = {};
  names.forEach((name, c) => {
    const { nulls, int32 } = sinks[c];
    // Integers stay integers: BIGINT values that all fit in 32 bits become an Int32Array.
    const column = int32 && !nulls.length ? Int32Array.from(sinks[c].column as Float64Array) : sinks[c].column;
    // Typed arrays cannot hold null: a numeric column with nulls becomes a plain array (arquero's null).
    if (nulls.length && ArrayBuffer.isView(column)) {
      const plain: unknown[] = Array.from(column as unknown as ArrayLike<number>);
      for (const i of nulls) plain[i] = null;
      columns[name] = plain;
    } else columns[name] = column;
  });
  return aq.table(columns, names);
}

/** Runs SQL and returns the result as an arquero table. */
export async function query(sql: string): Promise<ColumnTable> {
  const conn = await connection();
  return resultToTable(await conn.run(sql));
}

// Tables copied into DuckDB, so a table used by several queries is copied once.
let registered = new WeakMap<object, string>();

/** Copies an arquero table into DuckDB as `name` (replacing it), chunk by chunk through typed vectors. */
export async function registerTable(name: string, table: ColumnTable): Promise<void> {
  if (registered.get(table) === name) return;
  const d = duck();
  const conn = await connection();
  const names = table.columnNames();
  const cols = names.map((n) => columnArray(table, n));
  const types = cols.map(duckTypeOf);
  const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
  await conn.run(
    `CREATE OR REPLACE TABLE ${quoted(name)} (${names.map((n, i) => `${quoted(n)} ${types[i].toString()}`).join(', ')})`,
  );
  const appender = await conn.createAppender(name);
  const n = table.numRows();
  const size = 2048; // DuckDB's vector size
  for (let start = 0; start < n; start += size) {
    const count = Math.min(size, n - start);
    const chunk = d.DuckDBDataChunk.create(types, count);
    cols.forEach((col, c) => {
      const vector: any = chunk.getColumnVector(c);
      if (ArrayBuffer.isView(col) && vector.items) {
        // Numbers go straight into DuckDB's vector memory.
        vector.items.set((col as unknown as Float64Array).subarray(start, start + count));
        vector.flush();
      } else {
        for (let i = 0; i < count; i++) vector.setItem(i, normalizeValue(col[start + i], types[c]));
        vector.flush();
      }
    });
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  registered.set(table, name);
}

function duckTypeOf(col: ArrayLike<unknown>): DuckDBType {
  const d = duck();
  if (col instanceof Float32Array || col instanceof Float64Array) return d.DOUBLE;
  if (
    col instanceof Int8Array ||
    col instanceof Int16Array ||
    col instanceof Int32Array ||
    col instanceof Uint8Array ||
    col instanceof Uint16Array
  )
    return d.INTEGER;
  let kind: string | undefined;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    const k = v instanceof Date ? 'date' : typeof v;
    if (kind === undefined) kind = k;
    else if (kind !== k) {
      kind = 'string';
      break;
    }
    if (i > 10000) break; // a sample decides, as type inference does elsewhere
  }
  if (kind === 'number') return d.DOUBLE;
  if (kind === 'boolean') return d.BOOLEAN;
  if (kind === 'bigint') return d.BIGINT;
  if (kind === 'date') return d.TIMESTAMP;
  return d.VARCHAR;
}

function normalizeValue(v: unknown, type: DuckDBType): unknown {
  const d = duck();
  if (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v))) return null;
  if (type === d.VARCHAR) return typeof v === 'string' ? v : String(v);
  if (type === d.TIMESTAMP) return v instanceof Date ? new d.DuckDBTimestampValue(BigInt(v.getTime()) * 1000n) : null;
  if (type === d.DOUBLE || type === d.INTEGER) return Number(v);
  return v;
}
