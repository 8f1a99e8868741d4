import ts from 'typescript';
import { listMagics } from '../../lib/magics/magic';
import type { Checker } from './checker';
import { quickInfo, signatureText } from './quickinfo';

/** Jupyter counts cursor positions in code points; JavaScript strings in UTF-16 units. */
export function codePointToIndex(text: string, cursor: number): number {
  let index = 0;
  for (let cp = 0; cp < cursor && index < text.length; cp++) index += text.codePointAt(index)! > 0xffff ? 2 : 1;
  return index;
}
export function indexToCodePoint(text: string, index: number): number {
  return Array.from(text.slice(0, index)).length;
}

/** Magic lines are blanked (same length) so TypeScript sees the code at the same offsets. */
function blankMagics(code: string): string {
  return code
    .split('\n')
    .map((l) => (/^\s*%/.test(l) ? ' '.repeat(l.length) : l))
    .join('\n');
}

export interface Completion {
  matches: string[];
  start: number;
  end: number;
  types: { text: string; type: string }[];
}

export function complete(checker: Checker, code: string, cursor: number): Completion {
  const pos = codePointToIndex(code, cursor);
  const lineStart = code.lastIndexOf('\n', pos - 1) + 1;
  const before = code.slice(lineStart, pos);
  const magic = /^\s*(%%?)(\w*)$/.exec(before);
  if (magic) {
    const kind = magic[1] === '%%' ? 'cell' : 'line';
    const matches = listMagics(kind)
      .map((m) => magic[1] + m.name)
      .filter((n) => n.startsWith(magic[1] + magic[2]));
    const start = pos - magic[1].length - magic[2].length;
    return {
      matches,
      start: indexToCodePoint(code, start),
      end: cursor,
      types: matches.map((m) => ({ text: m, type: 'magic' })),
    };
  }
  const prefix = /[\w$]*$/.exec(code.slice(0, pos))![0];
  const codeStart = checker.setCell(blankMagics(code));
  const info = checker.service.getCompletionsAtPosition(checker.cellPath, codeStart + pos, {
    includeCompletionsWithInsertText: true,
  });
  const entries = (info?.entries ?? [])
    .filter((e) => e.name.toLowerCase().startsWith(prefix.toLowerCase()) && !e.name.startsWith('__amalgam'))
    .sort((a, b) => (a.sortText === b.sortText ? a.name.localeCompare(b.name) : a.sortText < b.sortText ? -1 : 1));
  const matches = entries.map((e) => e.name);
  return {
    matches,
    start: indexToCodePoint(code, pos - prefix.length),
    end: cursor,
    types: entries.map((e) => ({ text: e.name, type: e.kind })),
  };
}

/** Type and documentation of the name under (or just before) the cursor. */
export function inspect(checker: Checker, code: string, cursor: number, detail: number): string | undefined {
  const pos = codePointToIndex(code, cursor);
  const codeStart = checker.setCell(blankMagics(code));
  const view = { service: checker.service, file: checker.cellPath, codeStart };
  const info = quickInfo(view, codeStart + pos) ?? (pos > 0 ? quickInfo(view, codeStart + pos - 1) : undefined);
  if (!info) return undefined;
  const signature = signatureText(info);
  const doc = ts.displayPartsToString(info.documentation);
  const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`).join('\n');
  return [signature, doc, detail > 0 ? tags : ''].filter(Boolean).join('\n\n');
}

/** complete / incomplete (with the indent to continue with) / invalid, from TypeScript's parser. */
export function isComplete(code: string): { status: string; indent?: string } {
  if (/^\s*%%\w+[^\n]*$/.test(code)) return { status: 'incomplete', indent: '' };
  if (/^\s*%%/.test(code)) return { status: 'complete' };
  const text = blankMagics(code);
  if (/\\\s*$/.test(text)) return { status: 'incomplete', indent: '' };
  const sf = ts.createSourceFile('cell.ts', text, ts.ScriptTarget.ES2022, true);
  const diags = (sf as any).parseDiagnostics as ts.Diagnostic[];
  if (!diags.length) return { status: 'complete' };
  const end = text.trimEnd().length;
  const atEnd = diags.every((d) => (d.start ?? 0) >= end - 1);
  if (!atEnd) return { status: 'invalid' };
  return { status: 'incomplete', indent: '  '.repeat(openDepth(text)) };
}

function openDepth(text: string): number {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  let depth = 0;
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (
      k === ts.SyntaxKind.OpenBraceToken ||
      k === ts.SyntaxKind.OpenParenToken ||
      k === ts.SyntaxKind.OpenBracketToken
    )
      depth++;
    else if (
      k === ts.SyntaxKind.CloseBraceToken ||
      k === ts.SyntaxKind.CloseParenToken ||
      k === ts.SyntaxKind.CloseBracketToken
    )
      depth = Math.max(0, depth - 1);
  }
  return depth;
}
