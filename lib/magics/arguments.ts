// A magic's arguments, declared once (IPython's magic_arguments as the model): the declaration is
// the parser (strict: an unknown flag is an error naming the closest known one), the checks
// (numbers, whole numbers, choices, lists) and the `%name?` help.
import { nearest } from '../util/text';
import { UsageError } from './args';

export interface PositionalSpec {
  /** Shown in usage: MODEL, NAME[@REF], FILE. */
  name: string;
  help: string;
  optional?: boolean;
  /** Takes every remaining positional (COMPONENT ...). */
  variadic?: boolean;
}

export interface FlagSpec {
  /** 'string' (default), 'number', 'integer', 'boolean' (takes no value) or 'list' (comma-separated). */
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'list';
  choices?: readonly string[];
  help: string;
  /** The value's name in usage: `--epochs N`. Default: the name upper-cased. */
  metavar?: string;
  /** A one-letter alias: `-n`. */
  short?: string;
  /** Smallest allowed number. */
  min?: number;
  /** The flag must be given (`%train MODEL --data NAME`). */
  required?: boolean;
  /**
   * The value may be left out (argparse's nargs='?'): `--served` alone is `true`, `--served prod` is
   * "prod". The next word is its value unless it looks like a flag (or, for numbers, is not a number);
   * positionals therefore go before such a flag.
   */
  optionalValue?: boolean;
}

export interface MagicArguments {
  positionals?: readonly PositionalSpec[];
  flags?: Readonly<Record<string, FlagSpec>>;
  /**
   * The text after the leading flags and positionals is kept as written (code, a query): flags are
   * read only before it, so `--` inside SQL or `-x` inside code stay theirs.
   */
  rest?: { name: string; help: string; optional?: boolean };
}

type FlagValue<F extends FlagSpec> = F extends { optionalValue: true } ? RequiredValue<F> | true : RequiredValue<F>;

type RequiredValue<F extends FlagSpec> = F['type'] extends 'boolean'
  ? boolean
  : F['type'] extends 'number' | 'integer'
    ? number
    : F['type'] extends 'list'
      ? string[]
      : F extends { choices: readonly (infer C)[] }
        ? C
        : string;

/** The parsed flags of a declaration, typed from it. */
export type OptionsOf<A extends MagicArguments> =
  A['flags'] extends Readonly<Record<string, FlagSpec>>
    ? { [K in keyof A['flags']]?: FlagValue<A['flags'][K]> }
    : Record<never, never>;

export interface ParsedArguments<A extends MagicArguments = MagicArguments> {
  positionals: string[];
  options: OptionsOf<A>;
  /** The raw remainder (`rest` declarations), trimmed. */
  rest: string;
}

interface Token {
  text: string;
  start: number;
}

/**
 * Shell-like tokens with their start offsets: quotes group, backslash escapes. A generator, so the
 * raw rest of a line (code with its own quotes) is never tokenized.
 */
function* tokens(input: string, magic: string): Generator<Token> {
  let current = '';
  let start = -1;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < input.length) current += input[++i];
      else current += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (start >= 0) yield { text: current, start };
      current = '';
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < input.length) current += input[++i];
    else current += c;
  }
  if (quote) throw new UsageError(magic, `unterminated ${quote} quote in: ${input}`);
  if (start >= 0) yield { text: current, start };
}

const FLAG = /^(--?)([A-Za-z][\w-]*)(?:=(.*))?$/s;
const looksLikeFlag = (t: string) => /^--?[A-Za-z]/.test(t);

const dashed = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

export function flagUsage(name: string, f: FlagSpec): string {
  if (f.type === 'boolean') return dashed(name);
  const value = f.choices ? f.choices.join('|') : (f.metavar ?? (f.type === 'list' ? 'A,B' : name.toUpperCase()));
  return f.optionalValue ? `${dashed(name)} [${value}]` : `${dashed(name)} ${value}`;
}

/** `%train MODEL --data NAME [--epochs N] ...`: the usage line a declaration gives. */
export function usageLine(prefix: string, name: string, spec: MagicArguments): string {
  const parts = [`${prefix}${name}`];
  for (const p of spec.positionals ?? []) {
    const text = p.variadic ? `${p.name} ...` : p.name;
    parts.push(p.optional || p.variadic ? `[${text}]` : text);
  }
  for (const [flag, f] of Object.entries(spec.flags ?? {}))
    parts.push(f.required ? flagUsage(flag, f) : `[${flagUsage(flag, f)}]`);
  if (spec.rest) parts.push(spec.rest.optional ? `[${spec.rest.name}]` : spec.rest.name);
  // Long usages wrap at 100 columns, continued under the first argument.
  const indent = ' '.repeat(parts[0].length + 1);
  const lines: string[] = [parts[0]];
  for (const part of parts.slice(1)) {
    const last = lines[lines.length - 1];
    if (last.length + 1 + part.length > 100 && last.trim() !== parts[0]) lines.push(indent + part);
    else lines[lines.length - 1] = `${last} ${part}`;
  }
  return lines.join('\n');
}

/** The arguments section of a magic's help: each positional and flag with its help. */
export function argumentsHelp(spec: MagicArguments): string {
  const rows: [string, string][] = [
    ...(spec.positionals ?? []).map((p): [string, string] => [p.name, p.help]),
    ...(spec.rest ? [[spec.rest.name, spec.rest.help] as [string, string]] : []),
    ...Object.entries(spec.flags ?? {}).map(([name, f]): [string, string] => [
      `${f.short ? `-${f.short}, ` : ''}${flagUsage(name, f)}`,
      f.help,
    ]),
  ];
  if (!rows.length) return '';
  const width = Math.min(28, Math.max(...rows.map(([k]) => k.length)));
  return rows
    .map(([k, v]) => (k.length > width ? `  ${k}\n  ${' '.repeat(width)}  ${v}` : `  ${k.padEnd(width)}  ${v}`))
    .join('\n');
}

function convert(magic: string, name: string, f: FlagSpec, raw: string): string | number | string[] {
  const type = f.type ?? 'string';
  if (type === 'number' || type === 'integer') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw new UsageError(magic, `${dashed(name)} expects a number, got ${JSON.stringify(raw)}`);
    if (type === 'integer' && !Number.isInteger(n))
      throw new UsageError(magic, `${dashed(name)} expects a whole number, got ${raw}`);
    if (f.min !== undefined && n < f.min)
      throw new UsageError(magic, `${dashed(name)} must be at least ${f.min}, got ${raw}`);
    return n;
  }
  if (type === 'list') {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!items.length) throw new UsageError(magic, `${dashed(name)} expects a comma-separated list`);
    return items;
  }
  if (f.choices && !f.choices.includes(raw))
    throw new UsageError(magic, `${dashed(name)} expects one of ${f.choices.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw;
}

/** Parses a magic's argument text against its declaration; every mistake is a UsageError naming it. */
export function parseArguments<A extends MagicArguments>(magic: string, spec: A, line: string): ParsedArguments<A> {
  const flags = spec.flags ?? {};
  const byShort = new Map(Object.entries(flags).flatMap(([n, f]) => (f.short ? [[f.short, n] as const] : [])));
  const positionalSpecs = spec.positionals ?? [];
  const variadic = positionalSpecs.some((p) => p.variadic);
  const options: Record<string, unknown> = {};
  const positionals: string[] = [];
  let rest = '';
  const toks = tokens(line, magic);
  // One word of look-ahead, for a flag whose value may be left out.
  let back: IteratorResult<Token> | undefined;
  const pull = () => {
    const t = back ?? toks.next();
    back = undefined;
    return t;
  };
  for (let next = pull(); !next.done; next = pull()) {
    const { text, start } = next.value;
    const m = FLAG.exec(text);
    if (!m) {
      const room = positionals.length < positionalSpecs.length || (variadic && !spec.rest);
      if (room) positionals.push(text);
      else if (spec.rest) {
        rest = line.slice(start).trim();
        break;
      } else
        throw new UsageError(
          magic,
          `unexpected argument ${JSON.stringify(text)} (usage: ${usageLine('%', magic, spec)})`,
        );
      continue;
    }
    const [, dashes, given, inline] = m;
    const name =
      dashes === '-' && given.length === 1 ? (byShort.get(given) ?? (given in flags ? given : undefined)) : given;
    const f = name !== undefined ? flags[name] : undefined;
    if (!f || name === undefined) {
      const known = Object.keys(flags);
      const near = nearest(given, known);
      throw new UsageError(
        magic,
        `unknown flag ${dashes}${given}${near ? ` (did you mean ${dashed(near)}?)` : ''}; ${
          known.length ? `flags: ${known.map(dashed).join(', ')}` : 'it takes no flags'
        }`,
      );
    }
    if (f.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(magic, `${dashed(name)} takes no value`);
      options[name] = true;
      continue;
    }
    let raw = inline;
    if (raw === undefined && f.optionalValue) {
      const value = pull();
      const numeric = f.type === 'number' || f.type === 'integer';
      const takes =
        !value.done &&
        !looksLikeFlag(value.value.text) &&
        (!numeric || (value.value.text.trim() !== '' && Number.isFinite(Number(value.value.text))));
      if (!takes) {
        back = value;
        options[name] = true;
        continue;
      }
      raw = value.value.text;
    }
    if (raw === undefined) {
      const value = pull();
      if (value.done || looksLikeFlag(value.value.text))
        throw new UsageError(magic, `${dashed(name)} expects a value (${flagUsage(name, f)})`);
      raw = value.value.text;
    }
    options[name] = convert(magic, name, f, raw);
  }
  const required = positionalSpecs.filter((p) => !p.optional && !p.variadic);
  if (positionals.length < required.length)
    throw new UsageError(magic, `expects ${required[positionals.length].name} (usage: ${usageLine('%', magic, spec)})`);
  for (const [name, f] of Object.entries(flags))
    if (f.required && options[name] === undefined)
      throw new UsageError(magic, `expects ${flagUsage(name, f)} (usage: ${usageLine('%', magic, spec)})`);
  if (spec.rest && !spec.rest.optional && !rest)
    throw new UsageError(magic, `expects ${spec.rest.name} (usage: ${usageLine('%', magic, spec)})`);
  return { positionals, options: options as OptionsOf<A>, rest };
}
