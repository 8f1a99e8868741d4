import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { quickInfo } from './introspection';
import { type Declaration, globalHeader, localHeader, mentionedNames, topLevelDeclarations } from './declarations';

/** A diagnostic in cell coordinates (1-based line and column). */
export interface CellDiagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
}

export interface CheckResult {
  diagnostics: CellDiagnostic[];
  declarations: Declaration[];
  /** Milliseconds spent type-checking. */
  ms: number;
}

/** A live name in the notebook's namespace and how later cells see its type. */
interface Binding {
  declaration: Declaration;
  /** The snapshot file of the cell that declared it (absent for imports and magic-set names). */
  file?: string;
  /** Explicit TypeScript type, for names a magic binds. */
  type?: string;
  /** Private alias in the scope file (stable, so the scope's imports stay the same). */
  alias: string;
}

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  // Node's types come from amalgam's own install, wherever the notebook lives.
  typeRoots: [path.resolve(__dirname, '..', '..', '..', 'node_modules', '@types')],
  strict: true,
  noImplicitAny: false,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  allowImportingTsExtensions: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  noEmit: true,
};

/** The package root of amalgam: bare imports the notebook folder lacks resolve from here. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
const LIB_DIR = path.dirname(require.resolve('typescript/lib/lib.d.ts'));
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const isLibrary = (f: string) => f.includes(NODE_MODULES) || f.startsWith(LIB_DIR);

/**
 * Type-checks cells incrementally with one warm LanguageService.
 *
 * The program has three roots whose paths never change: a prelude of kernel globals, a scope file
 * that declares every live name of the notebook as a global, and the current cell. Typing a new cell
 * only changes the current cell's text, so TypeScript reuses the whole program structure and every
 * parsed and bound library file; the cost of a check follows what the cell uses, not how many cells
 * ran before. A cell that declares names is kept as a snapshot file (its code plus module-local
 * declarations of the names it used, frozen at that time), and the scope refers to its names with
 * `typeof import(snapshot).name`, so a later redeclaration never changes an earlier cell's types.
 */
export class Checker {
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  private bindings = new Map<string, Binding>();
  private aliases = 0;
  private snapshots = 0;
  private projectVersion = 0;
  private diskCache = new Map<string, string | undefined>();
  private existsCache = new Map<string, boolean>();
  private dirCache = new Map<string, boolean>();
  private realpathCache = new Map<string, string>();
  private resolutionCache: ts.ModuleResolutionCache;
  readonly service: ts.LanguageService;
  readonly scopePath: string;
  cellPath: string;

  readonly preludePath: string;

  constructor(
    private cwd: string,
    prelude: string,
  ) {
    // Virtual files live in the notebook folder so `./local` imports resolve like at run time.
    this.preludePath = path.join(cwd, '__amalgam_prelude__.d.ts');
    this.setText(this.preludePath, prelude);
    this.scopePath = path.join(cwd, '__amalgam_scope__.d.ts');
    this.cellPath = path.join(cwd, '__amalgam_cell__.ts');
    this.resolutionCache = ts.createModuleResolutionCache(cwd, (f) => f, COMPILER_OPTIONS);
    this.setText(this.scopePath, 'export {};\n');
    this.setText(this.cellPath, '');
    this.service = ts.createLanguageService(this.createHost(), ts.createDocumentRegistry());
  }

  /**
   * `%cd`: the current cell (and later snapshots) move to the new folder so `./local` imports resolve
   * there, as they do at run time. The program is rebuilt once.
   */
  setCwd(cwd: string): void {
    if (cwd === this.cwd) return;
    this.cwd = cwd;
    const text = this.texts.get(this.cellPath) ?? '';
    this.texts.delete(this.cellPath);
    this.cellPath = path.join(cwd, '__amalgam_cell__.ts');
    this.setText(this.cellPath, text);
    this.structure++;
    this.projectVersion++;
  }

  /** Puts `code` in the current cell file without checking it (for completion and inspection). */
  setCell(code: string): void {
    this.setText(this.cellPath, code);
  }

  /** Checks a cell's code against the names of earlier cells. */
  check(code: string): CheckResult {
    const t0 = performance.now();
    const fast = this.fastCheck(code);
    if (fast) return { ...fast, ms: performance.now() - t0 };
    this.setText(this.cellPath, code);
    const program = this.service.getProgram()!;
    this.base = { program, structure: this.structure };
    const source = program.getSourceFile(this.cellPath)!;
    let diags: readonly ts.Diagnostic[] = program.getSyntacticDiagnostics(source);
    if (!diags.length) diags = program.getSemanticDiagnostics(source);
    const diagnostics = diags
      .filter((d) => d.category === ts.DiagnosticCategory.Error)
      .map((d) => toCellDiagnostic(d, code));
    return { diagnostics, declarations: topLevelDeclarations(source), ms: performance.now() - t0 };
  }

  /** Bumped whenever a file other than the current cell changes (scope, snapshots). */
  private structure = 0;
  /** The last full program and the structure it was built on. */
  private base: { program: ts.Program; structure: number } | undefined;

  /**
   * The common case, a cell that imports nothing, needs no new program: the last program's files
   * are all still valid, so a fresh type checker runs over them with only the cell's source file
   * swapped. That skips TypeScript's per-file structure-reuse walk (most of a check's time once
   * tfjs, arquero and danfo are loaded). Anything that could change module resolution takes the
   * full LanguageService path. AMALGAM_CHECK=full turns this off.
   */
  private fastCheck(code: string): Omit<CheckResult, 'ms'> | undefined {
    const base = this.base;
    if (!base || base.structure !== this.structure || process.env.AMALGAM_CHECK === 'full') return undefined;
    if (/\bimport\b|\brequire\b|\/\/\/\s*</.test(code)) return undefined;
    const old = base.program.getSourceFile(this.cellPath) as any;
    if (!old) return undefined;
    const cell = ts.createSourceFile(
      this.cellPath,
      code,
      {
        languageVersion: ts.ScriptTarget.ES2022,
        impliedNodeFormat: old.impliedNodeFormat,
        setExternalModuleIndicator: (ts as any).getSetExternalModuleIndicator(COMPILER_OPTIONS),
      },
      false,
    ) as any;
    for (const key of ['path', 'resolvedPath', 'originalFileName']) cell[key] = old[key];
    // What createProgram collects while processing a file; a cell without imports has none of them.
    Object.assign(cell, { imports: [], moduleAugmentations: [], ambientModuleNames: [] });
    const files = base.program.getSourceFiles().map((f) => (f === old ? cell : f));
    const view = Object.create(base.program, {
      getSourceFiles: { value: () => files },
      getSourceFile: { value: (name: string) => (name === this.cellPath ? cell : base.program.getSourceFile(name)) },
      getSourceFileByPath: {
        value: (p: string) => (p === cell.path ? cell : (base.program as any).getSourceFileByPath(p)),
      },
    });
    const checker = (ts as any).createTypeChecker(view) as ts.TypeChecker & {
      getDiagnostics(f: ts.SourceFile): ts.Diagnostic[];
    };
    let diags: ts.Diagnostic[] = cell.parseDiagnostics ?? [];
    if (!diags.length) diags = [...(cell.bindDiagnostics ?? []), ...checker.getDiagnostics(cell)];
    const diagnostics = diags
      .filter((d) => d.category === ts.DiagnosticCategory.Error)
      .map((d) => toCellDiagnostic(d, code));
    return { diagnostics, declarations: topLevelDeclarations(cell) };
  }

  /**
   * Records the names a cell declared (after it ran) so later cells see them. `code` is the cell's
   * source: it is kept as a snapshot file when it declares anything but imports.
   */
  commit(code: string, committed: Declaration[]): void {
    if (!committed.length) return;
    const declarations = this.markNamespaces(committed);
    let file: string | undefined;
    if (declarations.some((d) => d.kind !== 'import')) {
      file = path.join(this.cwd, `__amalgam_snapshot_${++this.snapshots}__.ts`);
      const own = new Set(declarations.map((d) => d.name));
      const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, false);
      const used = [...mentionedNames(sf)].filter((n) => !own.has(n) && this.bindings.has(n));
      const header = used.map((n) => this.localHeaderOf(n)).join('\n');
      const exported = declarations.filter((d) => d.kind !== 'import').map((d) => d.name);
      this.setText(file, `${code}\n;${header}\nexport { ${exported.join(', ')} };\n`);
    }
    for (const d of declarations) {
      // Relative imports are re-imported from the scope file, which lives elsewhere: make them absolute.
      const declaration = d.importTemplate
        ? {
            ...d,
            importTemplate: d.importTemplate.replace(
              /(from |require\()(["'])(\.\.?\/[^"']*)\2/,
              (_m, kw, q, rel) => `${kw}${q}${path.resolve(this.cwd, rel)}${q}`,
            ),
          }
        : d;
      this.bindings.set(d.name, {
        declaration,
        file: d.kind === 'import' ? undefined : file,
        alias: `__amalgam_${++this.aliases}`,
      });
    }
    this.writeScope();
    this.warmSoon();
  }

  /** Imports that name a namespace (`import { data } from 'amalgam'`), found in the checked cell. */
  private markNamespaces(declarations: Declaration[]): Declaration[] {
    if (!declarations.some((d) => d.kind === 'import')) return declarations;
    const program = this.service.getProgram();
    const sf = program?.getSourceFile(this.cellPath);
    if (!program || !sf) return declarations;
    const checker = program.getTypeChecker();
    const namespaces = new Set<string>();
    for (const st of sf.statements) {
      const bindings = ts.isImportDeclaration(st) ? st.importClause?.namedBindings : undefined;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      for (const el of bindings.elements) {
        const symbol = checker.getSymbolAtLocation(el.name);
        if (symbol && checker.getAliasedSymbol(symbol).flags & ts.SymbolFlags.Module) namespaces.add(el.name.text);
      }
    }
    return declarations.map((d) => (d.kind === 'import' && namespaces.has(d.name) ? { ...d, namespace: true } : d));
  }

  /**
   * Rebuilds the program for the new scope right after the cell that changed it, while the user
   * reads its output, so the next cell takes the fast path instead of paying for the rebuild.
   */
  private warmSoon(): void {
    setImmediate(() => {
      if (this.base?.structure === this.structure) return;
      this.setText(this.cellPath, '');
      this.base = { program: this.service.getProgram()!, structure: this.structure };
    });
  }

  /** Declares a name bound by a magic (or by the kernel) with an explicit type. */
  declare(name: string, type = 'any'): void {
    this.bindings.set(name, { declaration: { name, kind: 'let' }, type, alias: `__amalgam_${++this.aliases}` });
    this.writeScope();
    this.warmSoon();
  }

  forget(name: string): void {
    if (this.bindings.delete(name)) this.writeScope();
  }

  forgetAll(): void {
    this.bindings.clear();
    this.writeScope();
  }

  /** Live names with the text of their type, for %who / %whos. */
  names(): { name: string; kind: string; type: string }[] {
    return [...this.bindings.entries()].map(([name, b]) => ({
      name,
      kind: b.declaration.kind,
      type: b.type ?? this.typeText(name),
    }));
  }

  has(name: string): boolean {
    return this.bindings.has(name);
  }

  /** The declared type of a live name, as TypeScript prints it. */
  typeText(name: string): string {
    const b = this.bindings.get(name);
    if (!b) return 'unknown';
    if (b.type) return b.type;
    if (b.declaration.kind === 'import' && /\* as \$NAME\$/.test(b.declaration.importTemplate ?? '')) {
      return `typeof import(${/from (.*);$/.exec(b.declaration.importTemplate!)?.[1]})`;
    }
    this.setText(this.cellPath, name);
    const info = quickInfo(this, 0);
    const text = info ? ts.displayPartsToString(info.displayParts) : 'unknown';
    return text
      .split('\n')
      .filter((l) => !/^export /.test(l))
      .join('\n')
      .replace(/^\(alias\)\s*/, '')
      .replace(/^(?:const|let|var|function|class|enum|interface|type|namespace|import)\s+/, '');
  }

  private localHeaderOf(name: string): string {
    const b = this.bindings.get(name)!;
    if (b.type) return `declare let ${name}: ${b.type};`;
    return localHeader(b.declaration, b.file ?? '');
  }

  private writeScope(): void {
    const top: string[] = [];
    const inner: string[] = [];
    for (const [name, b] of this.bindings) {
      if (b.type) {
        inner.push(`let ${name}: ${b.type};`);
        continue;
      }
      const h = globalHeader(b.declaration, b.file ?? '', b.alias);
      if (h.top) top.push(h.top);
      inner.push(h.inner);
    }
    this.setText(this.scopePath, `${top.join('\n')}\ndeclare global {\n${inner.join('\n')}\n}\nexport {};\n`);
  }

  private setText(file: string, text: string): void {
    if (this.texts.get(file) === text) return;
    if (file !== this.cellPath) this.structure++;
    this.texts.set(file, text);
    this.versions.set(file, (this.versions.get(file) ?? 0) + 1);
    this.projectVersion++;
  }

  private readDisk(file: string): string | undefined {
    if (this.diskCache.has(file)) return this.diskCache.get(file);
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    // Library declarations do not change during a session; the user's own .ts files may.
    if (isLibrary(file)) this.diskCache.set(file, text);
    return text;
  }

  private createHost(): ts.LanguageServiceHost & ts.ModuleResolutionHost {
    const cached = <T>(cache: Map<string, T>, key: string, compute: () => T): T => {
      let v = cache.get(key);
      if (v === undefined) cache.set(key, (v = compute()));
      return v;
    };
    const fileExists = (f: string) =>
      this.texts.has(f) || (isLibrary(f) ? cached(this.existsCache, f, () => fs.existsSync(f)) : fs.existsSync(f));
    const readFile = (f: string) => this.texts.get(f) ?? this.readDisk(f);
    const moduleHost = {
      fileExists,
      readFile,
      directoryExists: (d: string) => cached(this.dirCache, d, () => ts.sys.directoryExists(d)),
      realpath: (f: string) => cached(this.realpathCache, f, () => ts.sys.realpath?.(f) ?? f),
      getCurrentDirectory: () => this.cwd,
    };
    const fallbackContaining = path.join(PACKAGE_ROOT, '__amalgam_resolve__.ts');
    const host: ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } = {
      ...moduleHost,
      getCompilationSettings: () => COMPILER_OPTIONS,
      getScriptFileNames: () => [this.preludePath, this.scopePath, this.cellPath],
      getProjectVersion: () => String(this.projectVersion),
      getScriptVersion: (f) => String(this.versions.get(f) ?? (isLibrary(f) ? 0 : fileVersionOnDisk(f))),
      getScriptSnapshot: (f) => {
        const text = readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      resolveModuleNameLiterals: (literals, containingFile, redirected, options) =>
        literals.map((lit) => {
          const name = lit.text;
          if (name === 'amalgam' || name.startsWith('amalgam/')) {
            const sub = name === 'amalgam' ? 'index' : name.slice('amalgam/'.length);
            return {
              resolvedModule: {
                resolvedFileName: path.join(PACKAGE_ROOT, 'dist', 'lib', `${sub}.d.ts`),
                extension: ts.Extension.Dts,
                isExternalLibraryImport: false,
              },
            };
          }
          const first = ts.resolveModuleName(
            name,
            containingFile,
            options,
            moduleHost,
            this.resolutionCache,
            redirected,
          );
          if (first.resolvedModule || name.startsWith('.') || path.isAbsolute(name)) return first;
          // Packages amalgam ships (tfjs, arquero, danfo, vega) resolve even where the notebook folder has no node_modules.
          return ts.resolveModuleName(name, fallbackContaining, options, moduleHost, this.resolutionCache, redirected);
        }),
      // Not in the public typings, but createProgram uses it: one package.json cache for the session
      // instead of re-reading and re-parsing every library's package.json on each cell.
      getModuleResolutionCache: () => this.resolutionCache,
    };
    return host;
  }
}

/** The user's own .ts files are re-read when they change on disk. */
function fileVersionOnDisk(f: string): number {
  try {
    return fs.statSync(f).mtimeMs;
  } catch {
    return 0;
  }
}

function toCellDiagnostic(d: ts.Diagnostic, code: string): CellDiagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  let line = 1,
    column = 1;
  if (d.file && d.start !== undefined) {
    const start = Math.min(d.start, code.length);
    const pos = d.file.getLineAndCharacterOfPosition(start);
    line = pos.line + 1;
    column = pos.character + 1;
  }
  return { line, column, code: d.code, message };
}
