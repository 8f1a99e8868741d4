// A pipeline step is one unit: how it fits (what it learns from the training rows) and how it
// applies what it learned. The learned state is plain JSON, so a fitted pipeline travels with a model.
import type { ColumnTable } from '../../aq';
import { DataError, requireColumn } from '../../errors';
import { columnArray } from '../../table';

export interface StepDefinition<Spec extends { type: string }, Fitted> {
  type: Spec['type'];
  /** Learns from `data` (the output of the steps before); throws naming the column that cannot work. */
  fit(spec: Spec, data: ColumnTable): Fitted;
  /** The same transform on any rows, from what `fit` learned. A dataset stays a dataset. */
  apply<T extends ColumnTable>(spec: Spec, fitted: Fitted, data: T): T;
}

export const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** A column's values, checked to exist, named in errors as `pipeline step <type>`. */
export function values(table: ColumnTable, column: string, step: string): ArrayLike<unknown> {
  requireColumn(table.columnNames(), column, `pipeline step ${step}`);
  return columnArray(table, column);
}

/** A numeric column's present values; a non-number is an error naming the row. */
export function numbers(table: ColumnTable, column: string, step: string): number[] {
  const vs = values(table, column, step);
  const out: number[] = [];
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i];
    if (isMissing(v)) continue;
    if (typeof v !== 'number')
      throw new DataError(`pipeline step ${step}: column "${column}" row ${i} is ${JSON.stringify(v)}, not a number`, {
        column,
      });
    out.push(v);
  }
  return out;
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
