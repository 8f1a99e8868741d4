import { AmalgamError } from '../util/errors';

/** Arguments of a magic: positionals in `_`, `--flag value`, `--flag=value`, `--bool`, `-n 5`. */
export interface ParsedArgs {
  _: string[];
  flags: Record<string, string | true>;
}

/** Splits a magic's argument string the way a shell would: quotes group, backslash escapes. */
export function tokenize(input: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < input.length) current += input[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === '\\' && i + 1 < input.length) {
      current += input[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (quote) throw new SyntaxError(`unterminated ${quote} quote in: ${input}`);
  if (started) out.push(current);
  return out;
}

/**
 * Parses tokens. `booleans` lists flags that take no value (so `--force name` keeps `name`
 * positional); every other flag takes the next token unless it looks like a flag.
 */
export function parseArgs(input: string | string[], booleans: string[] = []): ParsedArgs {
  const tokens = typeof input === 'string' ? tokenize(input) : input;
  const args: ParsedArgs = { _: [], flags: {} };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '--') {
      args._.push(...tokens.slice(i + 1));
      break;
    }
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(t);
    if (!m) {
      args._.push(t);
      continue;
    }
    const [, name, inline] = m;
    if (inline !== undefined) args.flags[name] = inline;
    else if (booleans.includes(name)) args.flags[name] = true;
    else if (i + 1 < tokens.length && !/^--?[A-Za-z]/.test(tokens[i + 1])) args.flags[name] = tokens[++i];
    else args.flags[name] = true;
  }
  return args;
}

/** Reads a numeric flag, with an error that names the magic and the flag. */
export function numberFlag(args: ParsedArgs, flag: string, magic: string, fallback?: number): number | undefined {
  const raw = args.flags[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw === true || !Number.isFinite(n))
    throw new UsageError(magic, `--${flag} expects a number, got ${raw === true ? 'nothing' : JSON.stringify(raw)}`);
  return n;
}

/** A magic used wrongly. The message names the magic; the kernel shows it as an error and keeps state. */
export class UsageError extends AmalgamError {
  constructor(
    public magic: string,
    message: string,
  ) {
    super(`%${magic}: ${message}`);
  }
}
