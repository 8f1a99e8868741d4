// %who, %whos, %reset: the names a notebook defined, with their TypeScript types.
import { inspect } from 'node:util';
import { tableBundle } from '../../lib/display/table';
import { UsageError } from '../../lib/magics/args';
import { defineMagic } from '../../lib/magics/magic';
import { unseed } from '../../lib/random';

const typeFilter = { positionals: [{ name: 'TYPE', optional: true, help: 'only names whose type mentions TYPE' }] };

defineMagic({
  name: 'who',
  kind: 'line',
  description: 'Lists the names the notebook defined (cells, imports, magics).',
  args: typeFilter,
  examples: ['%who', '%who Tensor'],
  run: ({ positionals: [filter], session }) => {
    const names = session
      .names()
      .filter((n) => !filter || n.type.includes(filter))
      .map((n) => n.name);
    console.log(names.length ? names.sort().join('\t') : 'Interactive namespace is empty.');
  },
});

function summary(value: unknown): string {
  const v = value as any;
  if (v && typeof v === 'object' && Array.isArray(v.shape) && typeof v.dtype === 'string')
    return `Tensor ${v.dtype} [${v.shape.join(', ')}]`;
  if (v && typeof v.numRows === 'function' && typeof v.numCols === 'function')
    return `${v.numRows()} rows × ${v.numCols()} columns`;
  return inspect(value, { depth: 0, breakLength: Infinity, maxStringLength: 60, maxArrayLength: 5 }).slice(0, 80);
}

defineMagic({
  name: 'whos',
  kind: 'line',
  description: 'Like %who, as a table of name, TypeScript type and a short view of the value.',
  args: typeFilter,
  run: ({ positionals: [filter], session }) => {
    const rows = session
      .names()
      .filter((n) => !filter || n.type.includes(filter))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (!rows.length) return 'Interactive namespace is empty.';
    const view = tableBundle({
      columns: ['Variable', 'Type', 'Data/Info'],
      rows: rows.map((r) => [r.name, r.type.replace(/^[\w$]+: /, ''), summary(session.get(r.name))]),
      maxTextWidth: 40,
    });
    return { [Symbol.for('Jupyter.display')]: () => view };
  },
});

defineMagic({
  name: 'reset',
  kind: 'line',
  description:
    'Deletes every name the notebook defined (values and types) and unseeds the random generators.\n' +
    '-f is required: there is no confirmation prompt.',
  args: { flags: { f: { type: 'boolean', help: 'yes, delete everything' } } },
  run: ({ options, session }) => {
    if (!options.f) throw new UsageError('reset', 'this deletes every variable: run %reset -f to confirm');
    const n = session.names().length;
    session.reset();
    unseed();
    console.log(`Deleted ${n} name${n === 1 ? '' : 's'}.`);
  },
});
