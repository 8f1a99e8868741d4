import { closest } from '../util/text';
import { aq, type ColumnTable, isColumnTable } from './aq';
import { IMAGE_COLUMN } from './dataset';
import { connection, query, registerTable } from './duck';
import { DataError } from './errors';
import { fromDanfo } from './interop';
import { isDanfo } from './render';

export interface SqlOptions {
  /** Tables the query refers to by name (arquero tables or danfo DataFrames), copied into DuckDB first. */
  tables?: Record<string, unknown>;
  /** More table names to suggest when the query names a missing one (a notebook's other tables). */
  known?: string[];
}

/** DuckDB's "Table with name X does not exist!" with our own suggestion (its own names system tables). */
function missingTable(message: string, options: SqlOptions): string | undefined {
  const m = /Table with name (\S+?) does not exist/.exec(message);
  if (!m) return undefined;
  const names = [...new Set([...Object.keys(options.tables ?? {}), ...(options.known ?? [])])];
  const near = closest(m[1], names);
  return `no table ${m[1]}${near ? ` (did you mean ${near}?)` : ''}; ${
    names.length ? `tables: ${names.join(', ')}; ` : ''
  }files are tables too: select * from 'data/file.csv'`;
}

/**
 * Runs SQL in the embedded DuckDB and returns an arquero table. Files are tables too:
 * `select * from 'big.parquet'`, `read_csv('logs/*.csv')`; DuckDB streams them and spills to disk,
 * so inputs larger than memory work as long as the result fits.
 */
export async function sql(text: string, options: SqlOptions = {}): Promise<ColumnTable> {
  for (const [name, value] of Object.entries(options.tables ?? {})) {
    let table = isColumnTable(value) ? value : isDanfo(value) ? fromDanfo(value) : undefined;
    if (!table) throw new DataError(`sql: ${name} is not a table (arquero table or danfo DataFrame)`);
    // A dataset's images stay out of SQL: DuckDB sees its scalar columns.
    if (table.columnNames().includes(IMAGE_COLUMN)) table = table.select(aq.not(IMAGE_COLUMN));
    await registerTable(name, table);
  }
  try {
    return await query(text);
  } catch (e) {
    const message = (e as Error).message.trim();
    throw new DataError(`sql: ${missingTable(message, options) ?? message}`);
  }
}

/** Names in `text` that look like table references (after FROM / JOIN), for picking session tables. */
export function referencedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b(?:from|join)\s+("?)([A-Za-z_$][\w$]*)\1/gi)) names.add(m[2]);
  return [...names];
}

export { connection as duckdb };
