// %lsmagic, %help, %load_ext: the magic system itself.
import * as path from 'node:path';
import { markdown } from '../../lib/display/bundle';
import { UsageError } from '../../lib/magics/args';
import { defineMagic, getMagic, listMagics, registerMagic } from '../../lib/magics/magic';
import { closest } from '../../lib/util/text';
import { helpText } from './help';

function lsmagic() {
  const line = listMagics('line')
    .map((m) => `%${m.name}`)
    .join('  ');
  const cell = listMagics('cell')
    .map((m) => `%%${m.name}`)
    .join('  ');
  return markdown(
    `**Line magics:** ${line}\n\n**Cell magics:** ${cell}\n\n\`%name?\` or \`%help name\` shows a magic's help.`,
  );
}

defineMagic({
  name: 'lsmagic',
  kind: 'line',
  description: 'Lists every line and cell magic, built-in or registered by an extension.',
  run: lsmagic,
});

defineMagic({
  name: 'help',
  kind: 'line',
  description: 'Shows the help of a magic (as `%name?` does), or lists all magics.',
  args: {
    positionals: [{ name: 'NAME', optional: true, help: 'a magic, with or without % (%%name for a cell magic)' }],
  },
  examples: ['%help train', '%help %%sql'],
  run: ({ positionals: [raw] }) => {
    if (!raw) return lsmagic();
    const cell = raw.startsWith('%%');
    const name = raw.replace(/^%+/, '').replace(/\?$/, '');
    const magic = getMagic(cell ? 'cell' : 'line', name) ?? getMagic(cell ? 'line' : 'cell', name);
    if (!magic) {
      const near = closest(
        name,
        listMagics().map((m) => m.name),
      );
      throw new UsageError('help', `no magic named ${raw}${near ? `. Did you mean %${near}?` : ''}`);
    }
    return helpText(magic);
  },
});

defineMagic({
  name: 'load_ext',
  kind: 'line',
  description:
    'Loads MODULE so it can register magics with registerMagic or defineMagic from "amalgam", the same\n' +
    'registry the built-ins use. If the module exports `load_ipython_extension` or `activate`, it is\n' +
    'called with the registry.',
  args: { positionals: [{ name: 'MODULE', help: 'a package name or a path to a .js/.ts file' }] },
  examples: ['%load_ext ./my-magics.ts'],
  run: async ({ positionals: [spec], session }) => {
    const before = new Set(listMagics().map((m) => `${m.kind}:${m.name}`));
    let mod: any;
    try {
      mod = await session.execute(`await import(${JSON.stringify(spec.startsWith('.') ? path.resolve(spec) : spec)})`);
    } catch (e) {
      throw new UsageError('load_ext', `could not load ${spec}: ${(e as Error).message}`);
    }
    const activate = mod?.load_ipython_extension ?? mod?.activate ?? mod?.default?.activate;
    if (typeof activate === 'function') await activate({ registerMagic, defineMagic });
    const added = listMagics()
      .filter((m) => !before.has(`${m.kind}:${m.name}`))
      .map((m) => (m.kind === 'cell' ? '%%' : '%') + m.name);
    return markdown(`Loaded **${spec}**${added.length ? `: ${added.join(', ')}` : ' (no new magics)'}`);
  },
});
