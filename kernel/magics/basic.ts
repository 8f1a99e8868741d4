import * as path from 'node:path';
import { createRequire } from 'node:module';
import { markdown } from '../../lib/display/bundle';
import { UsageError } from '../../lib/magics/args';
import { getMagic, listMagics, registerMagic } from '../../lib/magics/registry';
import { closest } from '../../lib/util/text';
import { helpText } from './help';

registerMagic({
  name: 'lsmagic',
  kind: 'line',
  help: '%lsmagic\n\nLists every line and cell magic, built-in or registered by an extension.',
  run: () => {
    const line = listMagics('line')
      .map((m) => `%${m.name}`)
      .join('  ');
    const cell = listMagics('cell')
      .map((m) => `%%${m.name}`)
      .join('  ');
    return markdown(
      `**Line magics:** ${line}\n\n**Cell magics:** ${cell}\n\n\`%name?\` or \`%help name\` shows a magic's help.`,
    );
  },
});

registerMagic({
  name: 'help',
  kind: 'line',
  help: '%help [NAME]\n\nShows the help of magic NAME (with or without %), or lists all magics.',
  run: ({ args }) => {
    const raw = args._[0];
    if (!raw) return getMagic('line', 'lsmagic')!.run({} as any);
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

registerMagic({
  name: 'load_ext',
  kind: 'line',
  help: '%load_ext MODULE\n\nLoads MODULE (a package name or a path to a .js/.ts file) so it can register magics\nwith registerMagic from "amalgam", the same registry the built-ins use. If the module\nexports a function `load_ipython_extension` or `activate`, it is called with the registry.',
  run: async ({ args, session }) => {
    const spec = args._[0];
    if (!spec) throw new UsageError('load_ext', 'usage: %load_ext MODULE');
    const before = new Set(listMagics().map((m) => `${m.kind}:${m.name}`));
    let mod: any;
    try {
      mod = await (session as any).execute(
        `await import(${JSON.stringify(spec.startsWith('.') ? path.resolve(spec) : spec)})`,
      );
    } catch (e) {
      throw new UsageError('load_ext', `could not load ${spec}: ${(e as Error).message}`);
    }
    const activate = mod?.load_ipython_extension ?? mod?.activate ?? mod?.default?.activate;
    if (typeof activate === 'function') await activate({ registerMagic });
    const added = listMagics()
      .filter((m) => !before.has(`${m.kind}:${m.name}`))
      .map((m) => (m.kind === 'cell' ? '%%' : '%') + m.name);
    return markdown(`Loaded **${spec}**${added.length ? `: ${added.join(', ')}` : ' (no new magics)'}`);
  },
});

export const requireFromCwd = () => createRequire(path.join(process.cwd(), '__amalgam__.js'));
