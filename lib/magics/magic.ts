import type { DisplayOptions } from '../display/output';
import { closest } from '../util/text';
import { type ParsedArgs, parseArgs, UsageError } from './args';
import { argumentsHelp, type MagicArguments, type OptionsOf, parseArguments, usageLine } from './arguments';

/** What a magic can reach: its arguments, the user's namespace, displays, the cell's interrupt signal. */
export interface MagicContext<Options = Record<string, any>> {
  /** The magic's name, without `%`. */
  name: string;
  /** The raw argument text after the magic's name. */
  line: string;
  /** The cell body below a `%%` line (cell magics only). */
  body: string;
  /** Declared magics: the flags, checked and typed by the declaration. */
  options: Options;
  /** Declared magics: the positional arguments. */
  positionals: string[];
  /** Declared magics with `rest`: the text after the flags, as written. */
  rest: string;
  /** Undeclared magics: `line` split into positionals (`_`) and flags, leniently. */
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
  /** Shown by `%name?` and `%help name`: usage line first, then details (generated for declared magics). */
  help: string;
  /** The declared arguments: parsed strictly (unknown flags are errors) and shown in the help. */
  args?: MagicArguments;
  /** Undeclared magics: flags that take no value, for the lenient parser. */
  booleans?: string[];
  /** Returns the value the magic produces (shown when it ends the cell). */
  run(ctx: MagicContext): unknown | Promise<unknown>;
}

/** A magic declared once: its arguments give the parser, the checks and the help. */
export interface MagicDefinition<A extends MagicArguments> {
  name: string;
  kind: 'line' | 'cell';
  /** What it does, after the usage line in the help. */
  description: string;
  args?: A;
  examples?: string[];
  run(ctx: MagicContext<OptionsOf<A>>): unknown | Promise<unknown>;
}

/** The full help of a declared magic: usage, description, arguments, examples. */
export function magicHelp(def: Omit<MagicDefinition<MagicArguments>, 'run'>): string {
  const prefix = def.kind === 'cell' ? '%%' : '%';
  const args = def.args ? argumentsHelp(def.args) : '';
  return [
    usageLine(prefix, def.name, def.args ?? {}),
    def.description.trim(),
    ...(args ? [`Arguments:\n${args}`] : []),
    ...(def.examples?.length ? [`Examples:\n${def.examples.map((e) => `  ${e}`).join('\n')}`] : []),
  ].join('\n\n');
}

/** Declares and registers a magic (built-ins and extensions alike). */
export function defineMagic<const A extends MagicArguments = Record<never, never>>(def: MagicDefinition<A>): Magic {
  const magic: Magic = {
    name: def.name,
    kind: def.kind,
    help: magicHelp(def as Omit<MagicDefinition<MagicArguments>, 'run'>),
    args: def.args ?? {},
    run: def.run as Magic['run'],
  };
  registerMagic(magic);
  return magic;
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

/** A magic's arguments as its context carries them: strictly for declared magics, leniently otherwise. */
export function parseMagicArgs(
  magic: Magic,
  line: string,
): Pick<MagicContext, 'args' | 'options' | 'positionals' | 'rest'> {
  if (magic.args) {
    const parsed = parseArguments(magic.name, magic.args, line);
    return { ...parsed, args: { _: parsed.positionals, flags: {} } };
  }
  try {
    const args = parseArgs(line, magic.booleans);
    return { args, options: args.flags, positionals: args._, rest: line.trim() };
  } catch (e) {
    throw new UsageError(magic.name, (e as Error).message);
  }
}
