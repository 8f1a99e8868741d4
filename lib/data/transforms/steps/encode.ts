// label and onehot: a categorical column as class indices, or as one 0/1 column per class.
import { aq } from '../../aq';
import { DataError } from '../../errors';
import { isMissing, type StepDefinition, values } from './step';

export type LabelSpec = { type: 'label'; column: string; classes?: string[] };
export type OnehotSpec = { type: 'onehot'; column: string; classes?: string[] };
type Classes = { classes: string[] };

/** Classes in a stable order: numerically when they all are numbers, else lexically. */
function sortedClasses(vs: ArrayLike<unknown>): string[] {
  const set = new Set<string>();
  for (let i = 0; i < vs.length; i++) if (!isMissing(vs[i])) set.add(String(vs[i]));
  return [...set].sort((a, b) => (Number.isFinite(+a) && Number.isFinite(+b) ? +a - +b : a < b ? -1 : a > b ? 1 : 0));
}

export const label: StepDefinition<LabelSpec, Classes> = {
  type: 'label',
  fit: (spec, table) => ({ classes: spec.classes ?? sortedClasses(values(table, spec.column, 'label')) }),
  apply(spec, f, table) {
    const index = new Map<string, number>(f.classes.map((c, i) => [c, i]));
    const vs = values(table, spec.column, 'label');
    const codes = new Int32Array(vs.length);
    for (let i = 0; i < vs.length; i++) {
      const code = index.get(String(vs[i]));
      if (code === undefined)
        throw new DataError(
          `pipeline step label: column "${spec.column}" row ${i} has "${vs[i]}", not one of the fitted classes ${f.classes.join(', ')}`,
          { column: spec.column },
        );
      codes[i] = code;
    }
    return table.assign(aq.table({ [spec.column]: codes }));
  },
};

export const onehot: StepDefinition<OnehotSpec, Classes> = {
  type: 'onehot',
  fit: (spec, table) => ({ classes: spec.classes ?? sortedClasses(values(table, spec.column, 'onehot')) }),
  apply(spec, f, table) {
    const vs = values(table, spec.column, 'onehot');
    const names = f.classes.map((c) => `${spec.column}=${c}`);
    const cols: Record<string, Uint8Array> = Object.fromEntries(names.map((n) => [n, new Uint8Array(vs.length)]));
    const index = new Map<string, number>(f.classes.map((c, i) => [c, i]));
    // Values unseen in fitting get all zeros, as serving must not fail on a new category.
    for (let i = 0; i < vs.length; i++) {
      const k = index.get(String(vs[i]));
      if (k !== undefined) cols[names[k]][i] = 1;
    }
    return table.assign(aq.table(cols)).select(aq.not(spec.column));
  },
};
