// The head graph: which representation or head each head reads, checked before any layer is built.
import { closest } from '../util/text';
import { type HeadConfig, REPRESENTATION_NAMES, TASKS } from './config';
import { ModelError } from './errors';

export const sourcesOf = (head: HeadConfig): string[] => (Array.isArray(head.from) ? head.from : [head.from]);

/**
 * Head names in an order where every head comes after the heads it reads. Throws naming the head
 * and the missing source, a cycle (a → b → a), or a bad task.
 */
export function orderHeads(heads: Record<string, HeadConfig>): string[] {
  const names = Object.keys(heads);
  for (const name of names) {
    const head = heads[name];
    if ((REPRESENTATION_NAMES as readonly string[]).includes(name))
      throw new ModelError(
        `head "${name}": the name is taken by a representation (${REPRESENTATION_NAMES.join(', ')})`,
      );
    if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new ModelError(`head "${name}": names are letters, digits, _ and -`);
    if (!head || typeof head !== 'object')
      throw new ModelError(`head "${name}": expected {from, task, ...}, got ${JSON.stringify(head)}`);
    if (!(TASKS as readonly string[]).includes(head.task))
      throw new ModelError(`head "${name}": unknown task ${JSON.stringify(head.task)} (tasks: ${TASKS.join(', ')})`);
    const sources = sourcesOf(head);
    if (sources.length === 0 || head.from === undefined)
      throw new ModelError(`head "${name}": "from" names no representation or head`);
    for (const s of sources) {
      if ((REPRESENTATION_NAMES as readonly string[]).includes(s) || s in heads) continue;
      const known = [...REPRESENTATION_NAMES, ...names.filter((n) => n !== name)];
      const hint = closest(s, known);
      throw new ModelError(
        `head "${name}" reads "${s}": no representation or head of that name${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${known.join(', ')}`,
      );
    }
    if (head.task === 'retrieve' && sources.some((s) => s in heads))
      throw new ModelError(`head "${name}": a retrieve head reads representations only`);
    for (const s of sources)
      if (heads[s]?.task === 'retrieve')
        throw new ModelError(`head "${name}" reads "${s}", a retrieve head (it has no tensor output)`);
    if (head.weight !== undefined && !(head.weight >= 0))
      throw new ModelError(`head "${name}": weight must be ≥ 0, got ${head.weight}`);
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new ModelError(`heads form a cycle: ${cycle.join(' → ')}`);
    }
    state.set(name, 'visiting');
    for (const s of sourcesOf(heads[name])) if (s in heads) visit(s, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of names) visit(name, []);
  return order;
}
