// standardize and minmax: numeric columns rescaled by statistics of the training rows.
import { aq, type ColumnTable } from '../../aq';
import { isMissing, mean, numbers, type StepDefinition, values } from './step';

export type StandardizeSpec = { type: 'standardize'; columns: string[] };
export type MinmaxSpec = { type: 'minmax'; columns: string[]; range?: [number, number] };

function mapNumeric<T extends ColumnTable>(
  table: T,
  columns: string[],
  step: string,
  fn: (x: number, c: string) => number,
): T {
  const out: Record<string, Float64Array> = {};
  for (const c of columns) {
    const vs = values(table, c, step);
    const col = new Float64Array(vs.length);
    for (let i = 0; i < vs.length; i++) col[i] = isMissing(vs[i]) ? NaN : fn(Number(vs[i]), c);
    out[c] = col;
  }
  return table.assign(aq.table(out));
}

export const standardize: StepDefinition<
  StandardizeSpec,
  { mean: Record<string, number>; std: Record<string, number> }
> = {
  type: 'standardize',
  fit(spec, table) {
    const m: Record<string, number> = {};
    const s: Record<string, number> = {};
    for (const c of spec.columns) {
      const xs = numbers(table, c, 'standardize');
      m[c] = mean(xs);
      s[c] = Math.sqrt(xs.reduce((a, x) => a + (x - m[c]) ** 2, 0) / Math.max(xs.length - 1, 1)) || 1;
    }
    return { mean: m, std: s };
  },
  apply: (spec, f, table) => mapNumeric(table, spec.columns, 'standardize', (x, c) => (x - f.mean[c]) / f.std[c]),
};

export const minmax: StepDefinition<MinmaxSpec, { min: Record<string, number>; max: Record<string, number> }> = {
  type: 'minmax',
  fit(spec, table) {
    const min: Record<string, number> = {};
    const max: Record<string, number> = {};
    for (const c of spec.columns) {
      const xs = numbers(table, c, 'minmax');
      min[c] = xs.reduce((a, b) => Math.min(a, b), Infinity);
      max[c] = xs.reduce((a, b) => Math.max(a, b), -Infinity);
    }
    return { min, max };
  },
  apply(spec, f, table) {
    const [lo, hi] = spec.range ?? [0, 1];
    return mapNumeric(
      table,
      spec.columns,
      'minmax',
      (x, c) => lo + ((x - f.min[c]) / (f.max[c] - f.min[c] || 1)) * (hi - lo),
    );
  },
};
