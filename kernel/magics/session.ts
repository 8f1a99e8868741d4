// The one way magics find what a session variable holds: a usage error names the variable and
// lists what the session does hold (of the wanted kind), with the closest name.
import { isColumnTable } from '../../lib/data/aq';
import { Dataset } from '../../lib/data/dataset';
import { loadDataset } from '../../lib/data/datasets';
import { isDanfo } from '../../lib/data/render';
import { UsageError } from '../../lib/magics/args';
import type { MagicContext } from '../../lib/magics/magic';
import { Amalgamation } from '../../lib/model/amalgamation';
import { closest } from '../../lib/util/text';

/** TypeScript types of what magics bind, so later cells type-check against them. */
export const TYPES = {
  arquero: "import('arquero').ColumnTable",
  danfo: "import('danfojs-node').DataFrame",
  dataset: "import('amalgam').data.Dataset",
  idx: "import('amalgam').data.IdxArray",
  model: "import('amalgam').model.Amalgamation",
} as const;

export const isVariableName = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name);

/** The value of session variable `name`; `accept` filters the names offered when it is missing. */
export function sessionValue(
  ctx: MagicContext,
  name: string,
  what = 'variable',
  accept: (v: unknown) => boolean = () => true,
): unknown {
  if (ctx.session.has(name)) return ctx.session.get(name);
  const names = ctx.session
    .names()
    .map((n) => n.name)
    .filter((n) => accept(ctx.session.get(n)));
  const near = closest(name, names);
  throw new UsageError(
    ctx.name,
    `no ${what} ${name} in this session${near ? ` (did you mean ${near}?)` : ''}${
      names.length ? `; defined: ${names.slice(0, 12).join(', ')}` : ''
    }`,
  );
}

/** The amalgamation a session variable holds. */
export function modelVariable(ctx: MagicContext, name: string): Amalgamation {
  if (!ctx.session.has(name)) {
    const models = ctx.session
      .names()
      .map((n) => n.name)
      .filter((n) => ctx.session.get(n) instanceof Amalgamation);
    const near = closest(name, models);
    throw new UsageError(
      ctx.name,
      `no model ${name} in this session${near ? ` (did you mean ${near}?)` : ''}; ${
        models.length
          ? `amalgamations: ${models.join(', ')}`
          : 'no amalgamations defined yet: const m = amalgamate({...})'
      }`,
    );
  }
  const model = ctx.session.get(name);
  if (!(model instanceof Amalgamation))
    throw new UsageError(ctx.name, `${name} is not an amalgamation (build one with amalgamate({...}))`);
  return model;
}

/** A table-like session value: a dataset, an arquero table or a danfo frame. */
export function tableVariable(ctx: MagicContext, name: string): unknown {
  const value = sessionValue(ctx, name, 'table', (v) => isColumnTable(v) || isDanfo(v));
  if (isColumnTable(value) || isDanfo(value)) return value;
  throw new UsageError(ctx.name, `${name} is not a table (a dataset, an arquero table or a danfo DataFrame)`);
}

/** --data NAME: a session variable (dataset, table, {x, y}) or else a shipped dataset by that name. */
export async function dataVariable(ctx: MagicContext, name: string): Promise<unknown> {
  if (ctx.session.has(name)) return ctx.session.get(name);
  try {
    return await loadDataset(name);
  } catch (e) {
    const sessionData = ctx.session
      .names()
      .map((n) => n.name)
      .filter((n) => {
        const v = ctx.session.get(n);
        return v instanceof Dataset || isColumnTable(v);
      });
    throw new UsageError(
      ctx.name,
      `--data ${name}: no session variable of that name${sessionData.length ? ` (data in the session: ${sessionData.join(', ')})` : ''}, and ${(e as Error).message}`,
    );
  }
}
