// CSV / TSV: plain files through amalgam's own typed-column reader (plaincsv.ts), everything else
// through DuckDB's reader, which infers types, handles quoting, and records malformed rows with
// their line numbers, which become our errors (or are skipped and counted with skipBad).
import { query } from '../duck';
import type { ColumnTable } from '../aq';
import { DataError } from '../errors';
import { readPlainCsv } from './plaincsv';

export interface CsvOptions {
  /** Field delimiter; default ',' for .csv, tab for .tsv/.tab, detected otherwise. */
  delimiter?: string;
  /** First line holds column names (default true). */
  header?: boolean;
  /** Quote character (default "). */
  quote?: string;
  /** Strings read as null (default: empty fields, plus 'NA', 'NaN', 'null', 'NULL'). */
  nulls?: string[];
  /** Column types by name, in DuckDB's names (VARCHAR, DOUBLE, BIGINT, DATE, ...), overriding inference. */
  types?: Record<string, string>;
  /** Skip malformed rows instead of failing; the count is in the result's `skipped`. */
  skipBad?: boolean;
  /** Read at most this many data rows. */
  limit?: number;
  /** 'auto' (default): plain files through amalgam's typed-column reader, the rest through DuckDB; 'duckdb': always DuckDB. */
  reader?: 'auto' | 'duckdb';
}

export interface CsvResult {
  table: ColumnTable;
  skipped: number;
  badLines: number[];
  /** Which reader parsed the file. */
  reader: 'plain' | 'duckdb';
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
let rejectsCounter = 0;

export async function readCsv(path: string, options: CsvOptions = {}): Promise<CsvResult> {
  const delimiter =
    options.delimiter ?? (/\.(tsv|tab)(\.gz)?$/i.test(path) ? '\t' : /\.csv(\.gz)?$/i.test(path) ? ',' : undefined);
  const nulls = options.nulls ?? ['', 'NA', 'NaN', 'null', 'NULL'];
  // The common file (header, known delimiter, no quotes, no type overrides) is read in JS; the
  // plain reader hands anything else back, and DuckDB reads it.
  if (
    options.reader !== 'duckdb' &&
    delimiter !== undefined &&
    options.header !== false &&
    !options.types &&
    !/\.gz$/i.test(path)
  ) {
    const table = await readPlainCsv(path, {
      delimiter,
      quote: options.quote ?? '"',
      nulls,
      limit: options.limit === undefined ? undefined : Math.floor(options.limit),
    });
    if (table) return { table, skipped: 0, badLines: [], reader: 'plain' };
  }
  const rejects = `amalgam_rejects_${++rejectsCounter}`;
  const args = [
    lit(path),
    delimiter !== undefined ? `delim=${lit(delimiter)}` : '',
    `header=${options.header === false ? 'false' : 'true'}`,
    `quote=${lit(options.quote ?? '"')}`,
    `nullstr=[${nulls.map(lit).join(', ')}]`,
    options.types
      ? `types={${Object.entries(options.types)
          .map(([k, v]) => `${lit(k)}: ${lit(v)}`)
          .join(', ')}}`
      : '',
    `ignore_errors=true, store_rejects=true, rejects_table=${lit(rejects)}, rejects_scan=${lit(rejects + '_scan')}`,
  ]
    .filter(Boolean)
    .join(', ');
  let table: ColumnTable;
  try {
    table = await query(
      `select * from read_csv(${args})${options.limit !== undefined ? ` limit ${Math.floor(options.limit)}` : ''}`,
    );
  } catch (e) {
    throw new DataError(`${path}: ${(e as Error).message.split('\n')[0]}`, { file: path });
  }
  const bad = await query(
    `select line, error_type, error_message, column_name, csv_line from ${rejects} order by line, byte_position desc`,
  );
  await query(`drop table if exists ${rejects}; drop table if exists ${rejects}_scan`);
  // One rejected line can be logged several times (each extra field); keep the last entry (most fields found).
  const byLine = new Map<number, Record<string, any>>();
  for (const row of bad.objects() as Record<string, any>[]) if (!byLine.has(row.line)) byLine.set(row.line, row);
  if (byLine.size && !options.skipBad) {
    const [line, first] = byLine.entries().next().value as [number, Record<string, any>];
    const more =
      byLine.size > 1
        ? ` (${byLine.size} bad lines in all; skipBad / --skip-bad skips them)`
        : ' (skipBad / --skip-bad skips it)';
    throw new DataError(`${path} line ${line}: ${describeReject(first)}${more}`, {
      file: path,
      line,
      column: first.column_name ?? undefined,
    });
  }
  return { table, skipped: byLine.size, badLines: [...byLine.keys()], reader: 'duckdb' };
}

function describeReject(r: Record<string, any>): string {
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(r.error_message ?? '');
  if (fields) return `${fields[2]} fields, expected ${fields[1]}`;
  const cast = /Could not convert string "(.*)" to '(\w+)'/.exec(r.error_message ?? '');
  if (cast && r.column_name) {
    return `column "${r.column_name}": "${cast[1]}" is not ${cast[2]} like the rows before it (types: { ${r.column_name}: 'VARCHAR' } keeps it as text)`;
  }
  return `${String(r.error_type).toLowerCase()}: ${r.error_message}`;
}
