import ts from 'typescript';

export type DeclarationKind =
  | 'const'
  | 'let'
  | 'var'
  | 'function'
  | 'class'
  | 'enum'
  | 'interface'
  | 'type'
  | 'namespace'
  | 'import';

/**
 * A top-level name a cell declares. Imports keep a template that re-imports just that name, with
 * `$NAME$` where the local name goes.
 */
export interface Declaration {
  name: string;
  kind: DeclarationKind;
  importTemplate?: string;
  /** For generic classes, interfaces and type aliases: `<T extends X = Y>` and `<T>`. */
  typeParams?: { declaration: string; reference: string };
}

export function bindingNames(name: ts.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindingNames(element.name, out);
  return out;
}

function importTexts(node: ts.ImportDeclaration, sf: ts.SourceFile): Declaration[] {
  const clause = node.importClause;
  if (!clause) return [];
  const from = node.moduleSpecifier.getText(sf);
  const typeOnly = clause.isTypeOnly ? 'type ' : '';
  const out: Declaration[] = [];
  if (clause.name)
    out.push({ name: clause.name.text, kind: 'import', importTemplate: `import ${typeOnly}$NAME$ from ${from};` });
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) {
    out.push({
      name: bindings.name.text,
      kind: 'import',
      importTemplate: `import ${typeOnly}* as $NAME$ from ${from};`,
    });
  } else if (bindings) {
    for (const el of bindings.elements) {
      const imported = (el.propertyName ?? el.name).getText(sf);
      out.push({
        name: el.name.text,
        kind: 'import',
        importTemplate: `import ${typeOnly}{ ${el.isTypeOnly ? 'type ' : ''}${imported} as $NAME$ } from ${from};`,
      });
    }
  }
  return out;
}

/** The names a cell declares at its top level, in order. */
export function topLevelDeclarations(sf: ts.SourceFile): Declaration[] {
  const out: Declaration[] = [];
  const add = (
    name: string,
    kind: DeclarationKind,
    node?: { typeParameters?: ts.NodeArray<ts.TypeParameterDeclaration> },
  ) => {
    const tps = node?.typeParameters;
    out.push({
      name,
      kind,
      ...(tps?.length
        ? {
            typeParams: {
              declaration: `<${tps.map((t) => t.getText(sf)).join(', ')}>`,
              reference: `<${tps.map((t) => t.name.text).join(', ')}>`,
            },
          }
        : {}),
    });
  };
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      const flags = st.declarationList.flags;
      const kind: DeclarationKind =
        flags & ts.NodeFlags.Const
          ? 'const'
          : flags & (ts.NodeFlags.Let | ts.NodeFlags.Using | ts.NodeFlags.AwaitUsing)
            ? 'let'
            : 'var';
      for (const d of st.declarationList.declarations) for (const n of bindingNames(d.name)) add(n, kind);
    } else if (ts.isFunctionDeclaration(st) && st.name) add(st.name.text, 'function');
    else if (ts.isClassDeclaration(st) && st.name) add(st.name.text, 'class', st);
    else if (ts.isEnumDeclaration(st)) add(st.name.text, 'enum');
    else if (ts.isInterfaceDeclaration(st)) add(st.name.text, 'interface', st);
    else if (ts.isTypeAliasDeclaration(st)) add(st.name.text, 'type', st);
    else if (ts.isModuleDeclaration(st) && ts.isIdentifier(st.name)) add(st.name.text, 'namespace');
    else if (ts.isImportDeclaration(st)) out.push(...importTexts(st, sf));
    else if (ts.isImportEqualsDeclaration(st)) {
      out.push({
        name: st.name.text,
        kind: 'import',
        importTemplate: `import $NAME$ = ${st.moduleReference.getText(sf)};`,
      });
    }
  }
  return merge(out);
}

/** One entry per name: a name declared twice (overloads, merged interface + const) keeps the kind that imports all its meanings. */
function merge(decls: Declaration[]): Declaration[] {
  const byName = new Map<string, Declaration>();
  for (const d of decls) {
    const prev = byName.get(d.name);
    if (!prev) {
      byName.set(d.name, d);
      continue;
    }
    if (d.kind === 'import') byName.set(d.name, d);
    else if (prev.kind !== 'import' && isValueOnly(prev.kind) && !isValueOnly(d.kind)) byName.set(d.name, { ...d });
  }
  return [...byName.values()];
}

const isValueOnly = (k: DeclarationKind) => k === 'const' || k === 'let' || k === 'var';

/** TypeScript text that brings `d` (declared in `file`) into a later cell as a module-local name. */
export function localHeader(d: Declaration, file: string): string {
  const spec = JSON.stringify(file);
  switch (d.kind) {
    case 'import':
      return d.importTemplate!.replace('$NAME$', d.name);
    case 'const':
      return `declare const ${d.name}: typeof import(${spec}).${d.name};`;
    case 'let':
    case 'var':
      return `declare let ${d.name}: typeof import(${spec}).${d.name};`;
    default:
      return `import { ${d.name} } from ${spec};`;
  }
}

/**
 * How every later cell sees `d` (declared in `file`): module-local declarations put in the cell's own
 * file, before its code (`top` first: imports). The shapes
 * are those a global would have: a function or namespace is a `const`, a class or enum a `const` and a
 * `type`, an import is the import; a `let` stays a `let`, so another cell can reassign it, and a cell
 * that declares the name itself simply leaves it out.
 */
export function scopeHeader(d: Declaration, file: string): { top?: string; inner: string } {
  const ref = `import(${JSON.stringify(file)}).${d.name}`;
  const tp = d.typeParams ?? { declaration: '', reference: '' };
  switch (d.kind) {
    case 'import':
      // The import itself, under its own name: every meaning it has (value, type, namespace:
      // `data.Dataset` after `import { data } from 'amalgam'`), exactly as in the cell that wrote it.
      return { top: d.importTemplate!.replace('$NAME$', d.name), inner: '' };
    case 'const':
    case 'function':
    case 'namespace':
      return { inner: `declare const ${d.name}: typeof ${ref};` };
    case 'let':
    case 'var':
      return { inner: `declare let ${d.name}: typeof ${ref};` };
    case 'class':
    case 'enum':
      return {
        inner: `declare const ${d.name}: typeof ${ref};\ntype ${d.name}${tp.declaration} = ${ref}${tp.reference};`,
      };
    case 'interface':
    case 'type':
      return { inner: `type ${d.name}${tp.declaration} = ${ref}${tp.reference};` };
  }
}

/** Identifiers a cell mentions: its snapshot header needs only those. */
export function mentionedNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
}
