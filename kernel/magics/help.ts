import { bundle } from '../../lib/display/bundle';
import type { Magic } from '../../lib/magics/registry';

/** `%name?` / `%help name`: the magic's help as markdown, and as plain text for terminals and the REPL. */
export function helpText(magic: Magic) {
  const prefix = magic.kind === 'cell' ? '%%' : '%';
  const title = `${prefix}${magic.name} (${magic.kind} magic)`;
  return bundle({
    'text/markdown': `**${prefix}${magic.name}** (${magic.kind} magic)\n\n\`\`\`\n${magic.help.trim()}\n\`\`\``,
    'text/plain': `${title}\n\n${magic.help.trim()}`,
  });
}
