import { AmalgamError } from '../../lib/util/errors';

/** A bad `-p NAME VALUE`: the message names the parameter. */
export class ParameterError extends AmalgamError {}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `-p NAME VALUE`: the value as JSON when it parses (numbers, booleans, arrays, objects), else the string itself. */
export function parseParameterValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Words a `let` cannot declare. */
const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with let static yield await implements interface package private protected public arguments eval undefined NaN Infinity'.split(
    ' ',
  ),
);

export function checkParameterName(name: string): string {
  if (!IDENTIFIER.test(name)) throw new ParameterError(`-p: ${JSON.stringify(name)} is not a valid TypeScript name`);
  if (RESERVED.has(name)) throw new ParameterError(`-p: ${name} is a reserved word, not a name a cell can declare`);
  return name;
}

/** A type TypeScript printed that can be written back in a cell: primitives, literals, unions, arrays of them. */
const WRITABLE =
  /^(?:[\s|()[\]]|string|number|boolean|null|undefined|bigint|-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|'[^']*'|true|false)+$/;

/** The declared type widened the way `let` widens (`1` → number), or undefined to let TypeScript infer. */
function annotation(type: string | undefined): string | undefined {
  if (!type) return undefined;
  const t = type.trim();
  if (/^-?\d/.test(t)) return 'number';
  if (/^["']/.test(t) && !t.includes('|')) return 'string';
  if (t === 'true' || t === 'false') return 'boolean';
  return WRITABLE.test(t) ? t : undefined;
}

/**
 * The injected cell's source. Each parameter keeps the type the parameters cell declared it with
 * (`const epochs = 1` → `let epochs: number = 3`), so a value of the wrong type is a type error
 * naming the parameter instead of a surprise later on.
 */
export function parameterSource(
  parameters: Record<string, unknown>,
  declared: { name: string; type: string }[],
  warn?: (text: string) => void,
): string {
  // Types read as quick info prints them (`epochs: 1`): the name goes.
  const types = new Map(
    declared.map((d) => [d.name, d.type.startsWith(`${d.name}: `) ? d.type.slice(d.name.length + 2) : d.type]),
  );
  const lines = ['// Parameters injected by amalgam run -p'];
  for (const [name, value] of Object.entries(parameters)) {
    if (!types.has(name)) warn?.(`-p ${name}: the parameters cell does not declare ${name}`);
    const type = annotation(types.get(name));
    lines.push(`let ${name}${type ? `: ${type}` : ''} = ${JSON.stringify(value)}`);
  }
  return lines.join('\n');
}
