import type { DisplayOptions } from '../display/output';
import { closest } from '../util/text';
import { type ParsedArgs, parseArgs, UsageError } from './args';

/** What a magic can reach: its arguments, the user's namespace, displays, the cell's interrupt signal. */
export interface MagicContext {
  /** The magic's name, without `%`. */
  name: string;
  /** The raw argument text after the magic's name. */
  line: string;
  /** The cell body below a `%%` line (cell magics only). */
  body: string;
  /** `line` parsed with the magic's boolean flags. */
  args: ParsedArgs;
  session: Session;
  display(value: unknown, options?: DisplayOptions): Promise<void>;
  /** Aborted when the user interrupts the cell: long magics check it between steps. */
  signal: AbortSignal;
}

/**
 * The user's namespace as magics see it. `set` takes the TypeScript type of the value
 * (e.g. `import('arquero').ColumnTable`) so later cells type-check against it; default `any`.
 */
export interface Session {
  get(name: string): unknown;
  has(name: string): boolean;
  set(name: string, value: unknown, type?: string): void;
  delete(name: string): void;
  /** Names the user defined, with their declared TypeScript types. */
  names(): { name: string; type: string }[];
  /** Runs TypeScript in the session as a cell would (type-checked); resolves to its last value. */
  execute(code: string): Promise<unknown>;
  /** Drops every user name (%reset). */
  reset(): void;
}

export interface Magic {
  name: string;
  kind: 'line' | 'cell';
  /** Shown by `%name?` and `%help name`: usage line first, then details. */
  help: string;
  /** Flags that take no value, for the argument parser. */
  booleans?: string[];
  /** Returns the value the magic produces (shown when it ends the cell). */
  run(ctx: MagicContext): unknown | Promise<unknown>;
}

const magics = new Map<string, Magic>();
const key = (kind: string, name: string) => `${kind}:${name}`;

/** Registers a magic. Built-ins and `%load_ext` extensions use this same call. */
export function registerMagic(magic: Magic): void {
  if (!/^[A-Za-z_][\w]*$/.test(magic.name))
    throw new TypeError(`registerMagic: invalid magic name ${JSON.stringify(magic.name)}`);
  if (magic.kind !== 'line' && magic.kind !== 'cell')
    throw new TypeError(`registerMagic(${magic.name}): kind must be 'line' or 'cell'`);
  if (typeof magic.run !== 'function') throw new TypeError(`registerMagic(${magic.name}): run must be a function`);
  magics.set(key(magic.kind, magic.name), magic);
}

export function getMagic(kind: 'line' | 'cell', name: string): Magic | undefined {
  return magics.get(key(kind, name));
}

export function listMagics(kind?: 'line' | 'cell'): Magic[] {
  return [...magics.values()].filter((m) => !kind || m.kind === kind).sort((a, b) => a.name.localeCompare(b.name));
}

export function unknownMagicError(kind: 'line' | 'cell', name: string): UsageError {
  const prefix = kind === 'cell' ? '%%' : '%';
  const near = closest(
    name,
    listMagics(kind).map((m) => m.name),
  );
  const other = getMagic(kind === 'line' ? 'cell' : 'line', name);
  let hint = near ? ` Did you mean ${prefix}${near}?` : '';
  if (other) hint = ` ${name} is a ${other.kind} magic: use ${other.kind === 'cell' ? '%%' : '%'}${name}.`;
  const err = new UsageError(name, `unknown ${kind} magic ${prefix}${name}.${hint} (%lsmagic lists them)`);
  return err;
}

export function parseMagicArgs(magic: Magic, line: string): ParsedArgs {
  try {
    return parseArgs(line, magic.booleans);
  } catch (e) {
    throw new UsageError(magic.name, (e as Error).message);
  }
}
