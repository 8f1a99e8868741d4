import { type ColumnTable, isColumnTable } from './aq';
import { connection, query, registerTable } from './duck';
import { DataError } from './errors';
import { fromDanfo } from './interop';
import { isDanfo } from './render';

export interface SqlOptions {
  /** Tables the query refers to by name (arquero tables or danfo DataFrames), copied into DuckDB first. */
  tables?: Record<string, unknown>;
}

/**
 * Runs SQL in the embedded DuckDB and returns an arquero table. Files are tables too:
 * `select * from 'big.parquet'`, `read_csv('logs/*.csv')`; DuckDB streams them and spills to disk,
 * so inputs larger than memory work as long as the result fits.
 */
export async function sql(text: string, options: SqlOptions = {}): Promise<ColumnTable> {
  for (const [name, value] of Object.entries(options.tables ?? {})) {
    const table = isColumnTable(value) ? value : isDanfo(value) ? fromDanfo(value) : undefined;
    if (!table) throw new DataError(`sql: ${name} is not a table (arquero table or danfo DataFrame)`);
    await registerTable(name, table);
  }
  try {
    return await query(text);
  } catch (e) {
    throw new DataError(`sql: ${(e as Error).message.trim()}`);
  }
}

/** Names in `text` that look like table references (after FROM / JOIN), for picking session tables. */
export function referencedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b(?:from|join)\s+("?)([A-Za-z_$][\w$]*)\1/gi)) names.add(m[2]);
  return [...names];
}

export { connection as duckdb };
