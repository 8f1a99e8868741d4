import { markdown } from '../../lib/display/bundle';
import type { Magic } from '../../lib/magics/magic';

/** `%name?` / `%help name`: the magic's help as markdown with a plain-text fallback. */
export function helpText(magic: Magic) {
  const prefix = magic.kind === 'cell' ? '%%' : '%';
  return markdown(`**${prefix}${magic.name}** (${magic.kind} magic)\n\n\`\`\`\n${magic.help.trim()}\n\`\`\``);
}
