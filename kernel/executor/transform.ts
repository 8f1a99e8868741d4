import ts from 'typescript';
import { bindingNames } from './declarations';
import { decodeMappings, mapPosition, type Segment } from './sourcemap';

/**
 * Turns a cell's TypeScript into a script for the kernel's realm:
 *   TypeScript --transpileModule--> ES module text --top-level rewrite--> `(async () => { ... })()`
 * Top-level declarations become assignments to globals (so they persist across cells and a cell may
 * declare a name again), imports become `await __amalgam.bind(...)`, and the last expression becomes
 * the cell's value. Every rewrite keeps line breaks where they were, so a runtime position maps back
 * to the cell exactly: first through the column edits below, then through TypeScript's source map.
 */
export interface CompiledCell {
  code: string;
  /** Maps a 1-based line/column in `code` to the cell's own 1-based line/column. */
  toCell(line: number, column: number): { line: number; column: number };
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const PREFIX = '(async () => {';
const SUFFIX = '\n})()';

const TRANSPILE_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  sourceMap: true,
  // Keep every import as written: an import whose name is only used later must still bind.
  verbatimModuleSyntax: true,
  useDefineForClassFields: true,
  experimentalDecorators: false,
};

export function compileCell(source: string, filename: string): CompiledCell {
  const out = ts.transpileModule(source, {
    compilerOptions: TRANSPILE_OPTIONS,
    fileName: `${filename}.ts`,
    reportDiagnostics: false,
  });
  const js = out.outputText.replace(/\/\/# sourceMappingURL=.*\s*$/, '');
  const mappings: string = JSON.parse(out.sourceMapText!).mappings;
  const sf = ts.createSourceFile(`${filename}.js`, js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  const hoisted: string[] = [];
  const statements = sf.statements;
  const last = statements[statements.length - 1];

  for (const st of statements) {
    const start = st.getStart(sf);
    if (ts.isImportDeclaration(st)) {
      edits.push({ start, end: st.end, text: padLines(importToBind(st, sf), st.getText(sf)) });
    } else if (ts.isVariableStatement(st)) {
      rewriteVariables(st, sf, edits);
    } else if (ts.isFunctionDeclaration(st) && st.name) {
      stripExport(st, sf, edits);
      // Function declarations stay local (hoisted within the cell) and are published at its start.
      hoisted.push(`globalThis[${JSON.stringify(st.name.text)}] = ${st.name.text};`);
    } else if (ts.isClassDeclaration(st) && st.name) {
      const exportEnd = stripExport(st, sf, edits);
      const classStart = exportEnd ?? start;
      edits.push(
        { start: classStart, end: classStart, text: `${st.name.text} = ` },
        { start: st.end, end: st.end, text: ';' },
      );
    } else if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) {
      // `export { a }` and `export default x` mean nothing in a notebook: keep the expression of the latter.
      if (ts.isExportAssignment(st)) edits.push({ start, end: st.expression.getStart(sf), text: '' });
      else edits.push({ start, end: st.end, text: padLines('', st.getText(sf)) });
    } else if (st === last && ts.isExpressionStatement(st)) {
      const expr = st.expression;
      edits.push(
        { start: expr.getStart(sf), end: expr.getStart(sf), text: 'return { value: (' },
        { start: expr.end, end: expr.end, text: ') }' },
      );
    }
  }

  // `import(x)` inside a vm script needs an experimental flag: route it through the kernel's loader.
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const at = node.expression.getStart(sf);
      edits.push({ start: at, end: node.expression.end, text: '__amalgam.load' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  const body = applyEdits(js, edits);
  const prefix = PREFIX + hoisted.join(' ');
  const code = prefix + body + SUFFIX;
  return { code, toCell: positionMapper(js, prefix.length, edits, mappings) };
}

/**
 * Maps a position of the script back to the cell: undo the prefix (line 1 only) and the column edits,
 * then follow the source map. Kept for every cell (a function defined in it may throw later), so it
 * holds only numbers and the source map's own compact text, decoded on the first traceback.
 */
function positionMapper(js: string, prefixLength: number, edits: Edit[], mappings: string): CompiledCell['toCell'] {
  const lineStarts = computeLineStarts(js);
  const jsLength = js.length;
  // Edits in order, as [start, end, replacement length]; those spanning lines never move a column.
  const columnEdits = edits.filter((e) => !e.text.includes('\n')).map((e) => [e.start, e.end, e.text.length]);
  let map: Segment[][] | undefined;
  return (line, column) => {
    let col = column - 1 - (line === 1 ? prefixLength : 0);
    const lineStart = lineStarts[line - 1] ?? 0;
    const lineEnd = lineStarts[line] ?? jsLength + 1;
    let shift = 0;
    for (const [start, end, length] of columnEdits) {
      if (start < lineStart || start >= lineEnd) continue;
      const outStart = start - lineStart + shift;
      if (col < outStart) break;
      const delta = length - (end - start);
      if (col < outStart + length) {
        col = outStart - shift;
        break;
      }
      col -= delta;
      shift += delta;
    }
    map ??= decodeMappings(mappings);
    const p = mapPosition(map, line - 1, Math.max(0, col));
    return { line: p.line + 1, column: p.col + 1 };
  };
}

function stripExport(node: ts.Node, sf: ts.SourceFile, edits: Edit[]): number | undefined {
  const mods = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
  const exp = mods.filter((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword);
  if (!exp.length) return undefined;
  const start = exp[0].getStart(sf);
  const end = exp[exp.length - 1].end;
  const next = sf.text.slice(end).match(/^\s*/)![0].length;
  edits.push({ start, end: end + next, text: '' });
  return end + next;
}

/** `const a = 1, {b} = o;` -> `a = 1, ({b} = o);` (keeps positions of the initialisers). */
function rewriteVariables(st: ts.VariableStatement, sf: ts.SourceFile, edits: Edit[]): void {
  stripExport(st, sf, edits);
  const list = st.declarationList;
  // Remove the keyword (const / let / var / using) and the space after it.
  const kwStart = list.getStart(sf);
  const firstDecl = list.declarations[0];
  edits.push({ start: kwStart, end: firstDecl.getStart(sf), text: '' });
  for (const d of list.declarations) {
    if (ts.isIdentifier(d.name)) {
      if (!d.initializer) edits.push({ start: d.name.end, end: d.name.end, text: ' = undefined' });
    } else {
      // A destructuring pattern reads as an assignment pattern once parenthesised.
      edits.push(
        { start: d.name.getStart(sf), end: d.name.getStart(sf), text: '(' },
        { start: d.end, end: d.end, text: ')' },
      );
    }
  }
}

/** An import declaration as one awaited expression binding its names globally. */
function importToBind(st: ts.ImportDeclaration, sf: ts.SourceFile): string {
  const spec = (st.moduleSpecifier as ts.StringLiteral).text;
  const clause = st.importClause;
  const names: Record<string, string> = {};
  if (clause?.name) names[clause.name.text] = 'default';
  const nb = clause?.namedBindings;
  if (nb && ts.isNamespaceImport(nb)) names[nb.name.text] = '*';
  else if (nb) for (const el of nb.elements) names[el.name.text] = (el.propertyName ?? el.name).getText(sf);
  const targets = Object.keys(names);
  const call = `await __amalgam.bind(${JSON.stringify(spec)}, ${JSON.stringify(names)})`;
  return targets.length ? `({ ${targets.join(', ')} } = ${call});` : `${call};`;
}

/** Pads a replacement with the line breaks of the text it replaces, so later lines keep their numbers. */
function padLines(replacement: string, original: string): string {
  const n = (original.match(/\n/g) ?? []).length;
  return replacement + '\n'.repeat(n);
}

function applyEdits(text: string, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = Math.max(at, e.end);
  }
  return out + text.slice(at);
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** Names a cell declares at top level, from its TypeScript (for the reserved-name check). */
export function declaredNames(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) out.push(...bindingNames(d.name));
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) out.push(st.name.text);
  }
  return out;
}
