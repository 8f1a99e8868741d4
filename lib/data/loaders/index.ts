import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { aq, type ColumnTable } from '../aq';
import { DataError } from '../errors';
import { toDanfo } from '../interop';
import { readCsv, type CsvOptions } from './csv';
import { type IdxArray, parseIdx } from './idx';

export type Format = 'csv' | 'tsv' | 'json' | 'ndjson' | 'arrow' | 'parquet' | 'idx';
export const FORMATS: Format[] = ['csv', 'tsv', 'json', 'ndjson', 'arrow', 'parquet', 'idx'];

export interface LoadOptions extends CsvOptions {
  /** Format; default from the file name (.csv .tsv .json .ndjson/.jsonl .arrow/.feather/.ipc .parquet, IDX by -ubyte / .idx). */
  format?: Format;
  /** 'arquero' (default) or 'danfo' (a DataFrame). */
  as?: 'arquero' | 'danfo';
}

/** What `load` read, with how many malformed rows were skipped (CSV with skipBad). */
export interface LoadInfo {
  format: Format;
  rows: number;
  skipped: number;
  badLines: number[];
  /** The file read (lineage for models trained on it). */
  file?: string;
}
const lastInfo = new WeakMap<object, LoadInfo>();
/** Details of the load that produced `value` (format, rows, skipped bad lines). */
export function loadInfo(value: object): LoadInfo | undefined {
  return lastInfo.get(value);
}

export function detectFormat(path: string): Format {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  const ext = extname(name).slice(1);
  if (/-idx\d-ubyte$|\.idx\d?$|-ubyte$/.test(name)) return 'idx';
  const byExt: Record<string, Format> = {
    csv: 'csv',
    tsv: 'tsv',
    tab: 'tsv',
    txt: 'csv',
    json: 'json',
    ndjson: 'ndjson',
    jsonl: 'ndjson',
    arrow: 'arrow',
    feather: 'arrow',
    ipc: 'arrow',
    arrows: 'arrow',
    parquet: 'parquet',
    pq: 'parquet',
  };
  const format = byExt[ext];
  if (!format)
    throw new DataError(`${path}: cannot tell the format from the name; pass format (one of ${FORMATS.join(', ')})`, {
      file: path,
    });
  return format;
}

/**
 * Loads a file as an arquero table (or a danfo DataFrame with `as: 'danfo'`); IDX files load as typed
 * arrays with their shape. Errors name the file, and for CSV the line and what was expected.
 */
export async function load(source: string, options: LoadOptions & { format: 'idx' }): Promise<IdxArray>;
export async function load(source: string, options: LoadOptions & { as: 'danfo' }): Promise<any>;
export async function load(source: string, options?: LoadOptions): Promise<ColumnTable>;
export async function load(source: string, options: LoadOptions = {}): Promise<ColumnTable | IdxArray | any> {
  if (!existsSync(source)) throw new DataError(`file not found: ${source}`, { file: source });
  if (statSync(source).isDirectory())
    throw new DataError(
      `${source} is a folder; load reads one file (%sql can query a folder: read_csv('${source}/*.csv'))`,
      { file: source },
    );
  const format = options.format ?? detectFormat(source);
  if (!FORMATS.includes(format))
    throw new DataError(`${source}: unknown format "${format}"; one of ${FORMATS.join(', ')}`, { file: source });
  let table: ColumnTable;
  let info: LoadInfo;
  switch (format) {
    case 'idx': {
      const arr = parseIdx(readFileSync(source), { file: source, limit: options.limit });
      lastInfo.set(arr, { format, rows: arr.shape[0] ?? 1, skipped: 0, badLines: [] });
      return arr;
    }
    case 'csv':
    case 'tsv': {
      const r = await readCsv(source, {
        ...options,
        delimiter: options.delimiter ?? (format === 'tsv' ? '\t' : undefined),
      });
      table = r.table;
      info = { format, rows: table.numRows(), skipped: r.skipped, badLines: r.badLines };
      break;
    }
    case 'json':
      table = readJson(source);
      info = { format, rows: table.numRows(), skipped: 0, badLines: [] };
      break;
    case 'ndjson': {
      const r = readNdjson(source, options.skipBad);
      table = r.table;
      info = { format, rows: table.numRows(), skipped: r.badLines.length, badLines: r.badLines };
      break;
    }
    case 'arrow':
      table = readArrow(source);
      info = { format, rows: table.numRows(), skipped: 0, badLines: [] };
      break;
    case 'parquet':
      table = await readParquet(source);
      info = { format, rows: table.numRows(), skipped: 0, badLines: [] };
      break;
  }
  if (options.limit !== undefined && format !== 'csv' && format !== 'tsv')
    table = table.slice(0, options.limit).reify();
  const out = options.as === 'danfo' ? toDanfo(table) : table;
  lastInfo.set(out, { ...info, rows: table.numRows(), file: source });
  return out;
}

function readJson(path: string): ColumnTable {
  const text = readFileSync(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // Many tools write newline-delimited JSON under a .json name.
    if (/^\s*\{/.test(text) && text.trim().includes('\n')) {
      try {
        return readNdjson(path).table;
      } catch {
        /* report the JSON error below */
      }
    }
    const pos = /position (\d+)/.exec((e as Error).message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new DataError(`${path}${line ? ` line ${line}` : ''}: invalid JSON (${(e as Error).message})`, {
      file: path,
      line,
    });
  }
  // Rows ([{...}, ...]) or columns ({name: [...]}).
  if (Array.isArray(value)) return aq.from(value as object[]);
  if (value && typeof value === 'object' && Object.values(value).every(Array.isArray))
    return aq.table(value as Record<string, unknown[]>);
  throw new DataError(`${path}: expected an array of records or an object of column arrays`, { file: path });
}

function readNdjson(path: string, skipBad = false): { table: ColumnTable; badLines: number[] } {
  const lines = readFileSync(path, 'utf8').split('\n');
  const rows: object[] = [];
  const badLines: number[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const row = JSON.parse(line);
      if (row === null || typeof row !== 'object' || Array.isArray(row))
        throw new Error(`expected an object, got ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}`);
      rows.push(row);
    } catch (e) {
      if (!skipBad)
        throw new DataError(`${path} line ${i + 1}: ${(e as Error).message} (skipBad / --skip-bad skips bad lines)`, {
          file: path,
          line: i + 1,
        });
      badLines.push(i + 1);
    }
  });
  return { table: aq.from(rows), badLines };
}

function readArrow(path: string): ColumnTable {
  try {
    return aq.fromArrow(readFileSync(path));
  } catch (e) {
    throw new DataError(`${path}: not a readable Arrow IPC file (${(e as Error).message})`, { file: path });
  }
}

async function readParquet(path: string): Promise<ColumnTable> {
  const hp: typeof import('hyparquet', { with: { 'resolution-mode': 'import' }}) = require('hyparquet');
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = hp.parquetMetadata(file);
  } catch (e) {
    throw new DataError(`${path}: not a readable Parquet file (${(e as Error).message})`, { file: path });
  }
  const rows = Number(metadata.num_rows);
  const names = hp.parquetSchema(metadata).children.map((c: any) => c.element.name as string);
  // Column chunks land straight in per-column arrays (hyparquet's row objects would cost a copy per row).
  const columns: Record<string, any> = {};
  await hp.parquetRead({
    file,
    metadata,
    onChunk: ({ columnName, columnData, rowStart }) => {
      let col = columns[columnName];
      if (!col) {
        const big = columnData instanceof BigInt64Array || columnData instanceof BigUint64Array;
        col = columns[columnName] = big
          ? new Float64Array(rows)
          : ArrayBuffer.isView(columnData)
            ? new (columnData.constructor as any)(rows)
            : new Array(rows);
      }
      if (columnData instanceof BigInt64Array || columnData instanceof BigUint64Array) {
        for (let i = 0; i < columnData.length; i++) col[rowStart + i] = Number(columnData[i]);
      } else if (ArrayBuffer.isView(col) && ArrayBuffer.isView(columnData)) (col as any).set(columnData, rowStart);
      else {
        for (let i = 0; i < columnData.length; i++) {
          const v = (columnData as any)[i];
          col[rowStart + i] = typeof v === 'bigint' ? Number(v) : (v ?? null);
        }
      }
    },
  });
  return aq.table(Object.fromEntries(names.map((n: string) => [n, columns[n] ?? new Array(rows).fill(null)])), names);
}
