// Vega-Lite field types inferred from the data, so builders need only column names.
import type { Row } from './table';

export type FieldType = 'quantitative' | 'nominal' | 'temporal' | 'ordinal';

export function inferType(rows: readonly Row[], field: string): FieldType {
  let seen = 0;
  let numbers = 0;
  let dates = 0;
  for (const r of rows) {
    const v = r[field];
    if (v == null) continue;
    seen++;
    if (typeof v === 'number' || typeof v === 'bigint') numbers++;
    else if (v instanceof Date || (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/.test(v))) dates++;
    if (seen >= 200) break;
  }
  if (seen && numbers === seen) return 'quantitative';
  if (seen && dates === seen) return 'temporal';
  return 'nominal';
}

/** A colour encoding: nominal fields get a categorical scheme, numbers a sequential one. */
export function colorEncoding(rows: readonly Row[], field: string | undefined): Record<string, unknown> | undefined {
  if (!field) return undefined;
  const type = inferType(rows, field);
  const distinct = new Set(rows.slice(0, 5000).map((r) => r[field])).size;
  // Small-integer labels (0..9) are categories, not magnitudes.
  const asNominal = type !== 'quantitative' || distinct <= 20;
  return {
    field,
    type: asNominal ? 'nominal' : 'quantitative',
    ...(asNominal && distinct > 10 ? { scale: { scheme: 'tableau20' } } : {}),
  };
}
