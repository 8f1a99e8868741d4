// drop: columns the model must not see (ids, leaks).
import { aq } from '../../aq';
import { requireColumn } from '../../errors';
import type { StepDefinition } from './step';

export type DropSpec = { type: 'drop'; columns: string[] };

export const drop: StepDefinition<DropSpec, Record<string, never>> = {
  type: 'drop',
  fit(spec, table) {
    for (const c of spec.columns) requireColumn(table.columnNames(), c, 'pipeline step drop');
    return {};
  },
  apply: (spec, _f, table) => table.select(aq.not(...spec.columns)),
};
