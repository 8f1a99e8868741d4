// impute: fill missing values of columns with their mean, median, most frequent value or a constant.
import { aq } from '../../aq';
import { DataError } from '../../errors';
import { isMissing, mean, numbers, type StepDefinition, values } from './step';

export type ImputeSpec = {
  type: 'impute';
  columns: string[];
  strategy?: 'mean' | 'median' | 'most_frequent' | 'constant';
  value?: number | string;
};

function median(xs: number[]): number {
  const s = Float64Array.from(xs).sort();
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
}

function mostFrequent(vs: ArrayLike<unknown>): unknown {
  const counts = new Map<unknown, number>();
  for (let i = 0; i < vs.length; i++) if (!isMissing(vs[i])) counts.set(vs[i], (counts.get(vs[i]) ?? 0) + 1);
  let best: unknown = null;
  let n = 0;
  for (const [v, c] of counts)
    if (c > n) {
      best = v;
      n = c;
    }
  return best;
}

export const impute: StepDefinition<ImputeSpec, { values: Record<string, unknown> }> = {
  type: 'impute',
  fit(spec, table) {
    const strategy = spec.strategy ?? 'mean';
    const fills: Record<string, unknown> = {};
    for (const c of spec.columns) {
      fills[c] =
        strategy === 'constant'
          ? spec.value
          : strategy === 'most_frequent'
            ? mostFrequent(values(table, c, 'impute'))
            : strategy === 'median'
              ? median(numbers(table, c, 'impute'))
              : mean(numbers(table, c, 'impute'));
      if (fills[c] === undefined) throw new DataError(`pipeline step impute: strategy 'constant' needs a value`);
    }
    return { values: fills };
  },
  apply(spec, fitted, table) {
    const out: Record<string, unknown[] | Float64Array> = {};
    for (const c of spec.columns) {
      const vs = values(table, c, 'impute');
      const fill = fitted.values[c];
      const col = typeof fill === 'number' ? new Float64Array(vs.length) : new Array(vs.length);
      for (let i = 0; i < vs.length; i++) col[i] = isMissing(vs[i]) ? fill : vs[i];
      out[c] = col;
    }
    return table.assign(aq.table(out));
  },
};
