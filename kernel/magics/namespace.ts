import { escapeHtml, html } from '../../lib/display/bundle';
import { inspect } from 'node:util';
import { UsageError } from '../../lib/magics/args';
import { registerMagic } from '../../lib/magics/registry';
import { unseed } from '../../lib/random';

registerMagic({
  name: 'who',
  kind: 'line',
  help: '%who [TYPE]\n\nLists the names the notebook defined (cells, imports, magics), optionally only those\nwhose type mentions TYPE.',
  run: ({ args, session }) => {
    const filter = args._[0];
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

registerMagic({
  name: 'whos',
  kind: 'line',
  help: '%whos [TYPE]\n\nLike %who, as a table of name, TypeScript type and a short view of the value.',
  run: ({ args, session }) => {
    const filter = args._[0];
    const rows = session
      .names()
      .filter((n) => !filter || n.type.includes(filter))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (!rows.length) return 'Interactive namespace is empty.';
    const data = rows.map((r) => ({
      name: r.name,
      type: r.type.replace(/^[\w$]+: /, ''),
      value: summary(session.get(r.name)),
    }));
    const text = data.map((d) => `${d.name.padEnd(16)} ${d.type.slice(0, 40).padEnd(40)} ${d.value}`).join('\n');
    const table = `<table><thead><tr><th>Variable</th><th>Type</th><th>Data/Info</th></tr></thead><tbody>${data
      .map(
        (d) =>
          `<tr><td><code>${escapeHtml(d.name)}</code></td><td><code>${escapeHtml(d.type)}</code></td><td>${escapeHtml(d.value)}</td></tr>`,
      )
      .join('')}</tbody></table>`;
    return {
      ...html(table),
      [Symbol.for('Jupyter.display')]: () => ({
        'text/html': table,
        'text/plain': `Variable         Type${' '.repeat(37)}Data/Info\n${text}`,
      }),
    };
  },
});

registerMagic({
  name: 'reset',
  kind: 'line',
  booleans: ['f'],
  help: '%reset -f\n\nDeletes every name the notebook defined (values and types) and unseeds the random\ngenerators. -f is required: there is no confirmation prompt.',
  run: ({ args, session }) => {
    if (!args.flags.f) throw new UsageError('reset', 'this deletes every variable: run %reset -f to confirm');
    const n = session.names().length;
    session.reset();
    unseed();
    console.log(`Deleted ${n} name${n === 1 ? '' : 's'}.`);
  },
});
