import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { keepUnoptimized } from './jit';
import { type Declaration, localHeader, mentionedNames, scopeHeader, topLevelDeclarations } from './declarations';
import { quickInfo, signatureText } from './quickinfo';
import { moduleTarget, PACKAGE_ROOT } from './resolve';
import { available as warmAvailable, prepareFile, WarmChecker } from './warm';

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
  /**
   * How the cell was checked: `syntax`, a parse error (no checker needed); `warm`, the checker kept
   * warm across cells found it clean; `fresh`, a fresh checker over the same files (a cell with errors,
   * or the first after a program build); `full`, a program build (a cell that imports a new module).
   */
  path: 'syntax' | 'warm' | 'fresh' | 'full';
}

/** A live name in the notebook's namespace and how later cells see its type. */
interface Binding {
  declaration: Declaration;
  /** The snapshot file of the cell that declared it (absent for imports and magic-set names). */
  file?: string;
  /** Explicit TypeScript type, for names a magic binds. */
  type?: string;
  /** How a later cell's header declares it. */
  header: { top?: string; inner: string };
}

type ModuleHost = Required<
  Pick<ts.ModuleResolutionHost, 'fileExists' | 'readFile' | 'directoryExists' | 'realpath' | 'getCurrentDirectory'>
>;

/** A cell that declared names, frozen as a module. */
interface Snapshot {
  text: string;
  /** The snapshots its own header imports (names it used from earlier cells). */
  refs: string[];
}

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  // Node's types come from amalgam's own install, wherever the notebook lives.
  typeRoots: [path.resolve(PACKAGE_ROOT, 'node_modules', '@types')],
  strict: true,
  noImplicitAny: false,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  allowImportingTsExtensions: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  noEmit: true,
};

// Called once per checker, per program, per emit (transpileModule makes all three for each cell): see jit.ts.
keepUnoptimized((ts as any).createTypeChecker, ts.createProgram, ts.createPrinter, (ts as any).transformNodes);
const LIB_DIR = path.dirname(require.resolve('typescript/lib/lib.d.ts'));
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const OWN_BUILD = path.join(PACKAGE_ROOT, 'dist') + path.sep;
/** Declarations that do not change during a session: packages, TypeScript's libs, amalgam's own build. */
const isLibrary = (f: string) => f.includes(NODE_MODULES) || f.startsWith(LIB_DIR) || f.startsWith(OWN_BUILD);
/** Between the header of earlier names and a cell's code: a `;` line, which `@ts-` comments do not reach across. */
const SEPARATOR = '\n;\n';
const PARSE_OPTIONS: ts.CreateSourceFileOptions = {
  languageVersion: ts.ScriptTarget.ES2022,
  setExternalModuleIndicator: (ts as any).getSetExternalModuleIndicator(COMPILER_OPTIONS),
};

/**
 * Type-checks cells against the names of earlier cells.
 *
 * A cell is checked as one module: a *header* that declares the live names of the notebook
 * module-locally (`declare const x: typeof import("snapshot").x`), then its code. A cell that declares
 * names is kept as a *snapshot* file (its code plus module-local declarations of the names it used,
 * frozen at that time), so a later redeclaration never changes an earlier cell's types.
 *
 * Two paths give the same diagnostics. The fast one (warm.ts) checks the cell with one checker kept
 * warm across cells over the last program plus the snapshots written since: no program is built and
 * nothing already resolved is resolved again, whether or not the previous cell declared names. The
 * full one builds a program with one LanguageService (structure and parsed files reused), for cells
 * that bring files the program lacks (a new import) or when AMALGAM_CHECK=full; its program then
 * becomes the fast path's base. Completion and hovers use the LanguageService, built when asked.
 */
export class Checker {
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  private bindings = new Map<string, Binding>();
  private snapshots = new Map<string, Snapshot>();
  private snapshotCount = 0;
  private cellCount = 0;
  private projectVersion = 0;
  private diskCache = new Map<string, string | undefined>();
  private existsCache = new Map<string, boolean>();
  private dirCache = new Map<string, boolean>();
  private realpathCache = new Map<string, string>();
  private resolutionCache: ts.ModuleResolutionCache;
  private moduleHost: ModuleHost;
  /** The fast path over the last full program, with the user's own files of that program and their versions. */
  private warm: { checker: WarmChecker; localFiles: Map<string, number> } | undefined;
  readonly service: ts.LanguageService;
  cellPath: string;
  readonly preludePath: string;

  constructor(
    private cwd: string,
    prelude: string,
  ) {
    // Virtual files live in the notebook folder so `./local` imports resolve like at run time.
    this.preludePath = path.join(cwd, '__amalgam_prelude__.d.ts');
    this.setText(this.preludePath, prelude);
    this.cellPath = path.join(cwd, '__amalgam_cell__.ts');
    this.resolutionCache = ts.createModuleResolutionCache(cwd, (f) => f, COMPILER_OPTIONS);
    this.setText(this.cellPath, '');
    this.moduleHost = this.createModuleHost();
    this.service = ts.createLanguageService(this.createHost(), ts.createDocumentRegistry());
  }

  /** `%cd`: the current cell (and later snapshots) move to the new folder so `./local` imports resolve there. */
  setCwd(cwd: string): void {
    if (cwd === this.cwd) return;
    this.cwd = cwd;
    this.texts.delete(this.cellPath);
    this.versions.delete(this.cellPath);
    this.cellPath = path.join(cwd, '__amalgam_cell__.ts');
    this.setText(this.cellPath, '');
    this.warm = undefined;
  }

  /**
   * Puts `code` in the current cell file, after the header of earlier names, for completion and
   * inspection; returns where the code starts in the file.
   */
  setCell(code: string): number {
    const { text, codeStart } = this.cellText(code, ts.createSourceFile(this.cellPath, code, PARSE_OPTIONS, false));
    this.setText(this.cellPath, text);
    return codeStart;
  }

  /**
   * The file a cell is checked as: a header that declares the live names the cell does not declare
   * itself (`only`: just those), then the code. The code's leading comments are copied above the
   * header, so file-level pragmas (`// @ts-nocheck`, `/// <reference ...>`) keep their meaning.
   */
  private cellText(code: string, parsed: ts.SourceFile, only?: Set<string>): { text: string; codeStart: number } {
    const own = new Set(topLevelDeclarations(parsed).map((d) => d.name));
    const comments = ts.getLeadingCommentRanges(code, 0) ?? [];
    const leading = comments.length ? code.slice(comments[0].pos, comments[comments.length - 1].end) : '';
    const prefix = `${leading}\n${this.header(own, only)}${SEPARATOR}`;
    return { text: prefix + code, codeStart: prefix.length };
  }

  /**
   * Checks a cell's code against the names of earlier cells.
   *
   * The warm checker sees a header of only the names the code mentions: the others cannot change how
   * the code types, so a cell it finds clean is clean. A cell with errors is checked again, by a fresh
   * checker, with every live name declared (TypeScript's "Did you mean" looks through all of them, and
   * a fresh checker prints exactly what a program build prints): that is the full path's text.
   */
  check(code: string): CheckResult {
    const t0 = performance.now();
    const parsed = ts.createSourceFile(this.cellPath, code, PARSE_OPTIONS, false) as ts.SourceFile & {
      parseDiagnostics: ts.Diagnostic[];
    };
    const declarations = topLevelDeclarations(parsed);
    const done = (diags: readonly ts.Diagnostic[], codeStart: number, via: CheckResult['path']): CheckResult => ({
      diagnostics: diags
        .filter((d) => d.category === ts.DiagnosticCategory.Error && (d.start === undefined || d.start >= codeStart))
        .map((d) => toCellDiagnostic(d, parsed, codeStart)),
      declarations,
      ms: performance.now() - t0,
      path: via,
    });
    if (parsed.parseDiagnostics.length) return done(parsed.parseDiagnostics, 0, 'syntax');
    // Diagnostics in the header (the counterpart of errors in a declaration file) are not the cell's.
    const cellError = (codeStart: number) => (d: ts.Diagnostic) =>
      d.category === ts.DiagnosticCategory.Error && (d.start === undefined || d.start >= codeStart);
    const full = this.cellText(code, parsed);
    if (process.env.AMALGAM_CHECK !== 'full' && this.prepareView()) {
      const mentioned = this.cellText(code, parsed, mentionedNames(parsed));
      const mentionedCell = this.prepareCell(mentioned.text);
      const warm = mentionedCell && this.warm!.checker.warm(mentionedCell);
      if (warm && !warm.some(cellError(mentioned.codeStart))) return done(warm, mentioned.codeStart, 'warm');
      const fullCell = warm && this.prepareCell(full.text);
      const fresh = fullCell && this.warm!.checker.fresh(fullCell);
      if (fresh) return done(fresh, full.codeStart, 'fresh');
    }
    return done(this.fullCheck(full.text), full.codeStart, 'full');
  }

  /** Builds the first program, so the fast path has a base before the first cell (a no-op once one ran). */
  prepare(): void {
    if (this.warm || process.env.AMALGAM_CHECK === 'full') return;
    this.fullCheck(this.cellText('', ts.createSourceFile(this.cellPath, '', PARSE_OPTIONS, false)).text);
  }

  /** Whether the fast path can stand in for a program build: the snapshots written since join its view. */
  private prepareView(): boolean {
    const warm = this.warm;
    if (!warm || !warmAvailable) return false;
    for (const [file, version] of warm.localFiles) if (fileVersionOnDisk(file) !== version) return false;
    // The snapshots the base program lacks join the view; those no longer live leave it.
    for (const name of warm.checker.extraFiles()) if (!this.snapshots.has(name)) warm.checker.delete(name);
    for (const [name, snapshot] of this.snapshots) {
      if (warm.checker.has(name)) continue;
      const extra = prepareFile(name, snapshot.text, COMPILER_OPTIONS, this.resolveTypes);
      if (!extra) return false;
      warm.checker.add(extra);
    }
    return true;
  }

  private prepareCell(text: string) {
    return prepareFile(
      this.cellPath,
      text,
      COMPILER_OPTIONS,
      this.resolveTypes,
      `${this.cellPath}#${++this.cellCount}`,
    );
  }

  private fullCheck(text: string): readonly ts.Diagnostic[] {
    this.setText(this.cellPath, text);
    const program = this.service.getProgram()!;
    const localFiles = new Map<string, number>();
    for (const f of program.getSourceFiles())
      if (!isLibrary(f.fileName) && !this.texts.has(f.fileName))
        localFiles.set(f.fileName, fileVersionOnDisk(f.fileName));
    this.warm = { checker: new WarmChecker(program, this.cellPath, COMPILER_OPTIONS), localFiles };
    return program.getSemanticDiagnostics(program.getSourceFile(this.cellPath)!);
  }

  /** Module-local declarations of every live name (of `only`) but `own` (the names the cell declares itself). */
  private header(own: Set<string>, only?: Set<string>): string {
    const top: string[] = [];
    const inner: string[] = [];
    for (const [name, b] of this.bindings) {
      if (own.has(name) || (only && !only.has(name))) continue;
      if (b.header.top) top.push(b.header.top);
      if (b.header.inner) inner.push(b.header.inner);
    }
    return `${top.join('\n')}\n${inner.join('\n')}`;
  }

  /**
   * Records the names a cell declared (after it ran) so later cells see them. `code` is the cell's
   * source: it is kept as a snapshot file when it declares anything but imports.
   */
  commit(code: string, declarations: Declaration[]): void {
    if (!declarations.length) return;
    let file: string | undefined;
    if (declarations.some((d) => d.kind !== 'import')) {
      file = path.join(this.cwd, `__amalgam_snapshot_${++this.snapshotCount}__.ts`);
      const own = new Set(declarations.map((d) => d.name));
      const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, false);
      const used = [...mentionedNames(sf)].filter((n) => !own.has(n) && this.bindings.has(n));
      const header = used.map((n) => this.localHeaderOf(n)).join('\n');
      const exported = declarations.filter((d) => d.kind !== 'import').map((d) => d.name);
      const text = `${code}\n;${header}\nexport { ${exported.join(', ')} };\n`;
      const refs = used.map((n) => this.bindings.get(n)!.file).filter((f): f is string => !!f);
      this.snapshots.set(file, { text, refs });
      this.setText(file, text);
    }
    for (const d of declarations) {
      // Relative imports are re-imported from other cells' files: make them absolute.
      const declaration = d.importTemplate
        ? {
            ...d,
            importTemplate: d.importTemplate.replace(
              /(from |require\()(["'])(\.\.?\/[^"']*)\2/,
              (_m, kw, q, rel) => `${kw}${q}${path.resolve(this.cwd, rel)}${q}`,
            ),
          }
        : d;
      const own = d.kind === 'import' ? undefined : file;
      this.bindings.set(d.name, {
        declaration,
        file: own,
        header: scopeHeader(declaration, own ?? ''),
      });
    }
    this.collect();
  }

  /** Declares a name bound by a magic (or by the kernel) with an explicit type. */
  declare(name: string, type = 'any'): void {
    this.bindings.set(name, {
      declaration: { name, kind: 'let' },
      type,
      header: { inner: `declare let ${name}: ${type};` },
    });
    this.collect();
  }

  forget(name: string): void {
    if (this.bindings.delete(name)) this.collect();
  }

  forgetAll(): void {
    this.bindings.clear();
    this.collect();
  }

  /** Drops the snapshots no live name reaches (directly or through another snapshot's header). */
  private collect(): void {
    const live = new Set<string>();
    const stack = [...this.bindings.values()].map((b) => b.file).filter((f): f is string => !!f);
    for (let f = stack.pop(); f !== undefined; f = stack.pop()) {
      if (live.has(f)) continue;
      live.add(f);
      stack.push(...(this.snapshots.get(f)?.refs ?? []));
    }
    for (const f of this.snapshots.keys()) {
      if (live.has(f)) continue;
      this.snapshots.delete(f);
      this.texts.delete(f);
      this.versions.delete(f);
      this.projectVersion++;
    }
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
    const codeStart = this.setCell(name);
    const info = quickInfo({ service: this.service, file: this.cellPath, codeStart }, codeStart);
    return info
      ? signatureText(info).replace(/^(?:const|let|var|function|class|enum|interface|type|namespace|import)\s+/, '')
      : 'unknown';
  }

  private localHeaderOf(name: string): string {
    const b = this.bindings.get(name)!;
    if (b.type) return `declare let ${name}: ${b.type};`;
    return localHeader(b.declaration, b.file ?? '');
  }

  private setText(file: string, text: string): void {
    if (this.texts.get(file) === text) return;
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

  private createModuleHost(): ModuleHost {
    const cached = <T>(cache: Map<string, T>, key: string, compute: () => T): T => {
      let v = cache.get(key);
      if (v === undefined) cache.set(key, (v = compute()));
      return v;
    };
    return {
      fileExists: (f) =>
        this.texts.has(f) || (isLibrary(f) ? cached(this.existsCache, f, () => fs.existsSync(f)) : fs.existsSync(f)),
      readFile: (f) => this.texts.get(f) ?? this.readDisk(f),
      directoryExists: (d) => cached(this.dirCache, d, () => ts.sys.directoryExists(d)),
      realpath: (f) => cached(this.realpathCache, f, () => ts.sys.realpath?.(f) ?? f),
      getCurrentDirectory: () => this.cwd,
    };
  }

  /** TypeScript's resolution of `spec` where resolve.ts says to look (the run-time loader looks in the same places). */
  private resolveTypes = (
    spec: string,
    containingFile: string,
    redirected?: ts.ResolvedProjectReference,
  ): ts.ResolvedModuleWithFailedLookupLocations => {
    // A snapshot (by its absolute path): what TypeScript's resolver finds, without asking it each cell.
    if (this.snapshots.has(spec)) {
      return {
        resolvedModule: {
          resolvedFileName: spec,
          extension: ts.Extension.Ts,
          isExternalLibraryImport: false,
          resolvedUsingTsExtension: true,
        },
      };
    }
    const target = moduleTarget(spec, path.dirname(containingFile));
    if (target.kind === 'amalgam') {
      return {
        resolvedModule: {
          resolvedFileName: `${target.entry}.d.ts`,
          extension: ts.Extension.Dts,
          isExternalLibraryImport: false,
        },
      };
    }
    const resolve = (from: string) =>
      ts.resolveModuleName(spec, from, COMPILER_OPTIONS, this.moduleHost, this.resolutionCache, redirected);
    if (target.kind === 'file') return resolve(containingFile);
    let first: ts.ResolvedModuleWithFailedLookupLocations | undefined;
    for (const folder of target.folders) {
      const r = resolve(
        folder === path.dirname(containingFile) ? containingFile : path.join(folder, '__amalgam_resolve__.ts'),
      );
      if (r.resolvedModule) return r;
      first ??= r;
    }
    return first!;
  };

  private createHost(): ts.LanguageServiceHost {
    const host: ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } = {
      ...this.moduleHost,
      getCompilationSettings: () => COMPILER_OPTIONS,
      getScriptFileNames: () => [this.preludePath, this.cellPath],
      getProjectVersion: () => String(this.projectVersion),
      getScriptVersion: (f) => String(this.versions.get(f) ?? (isLibrary(f) ? 0 : fileVersionOnDisk(f))),
      getScriptSnapshot: (f) => {
        const text = this.moduleHost.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      resolveModuleNameLiterals: (literals, containingFile, redirected) =>
        literals.map((lit) => this.resolveTypes(lit.text, containingFile, redirected)),
      // Not in the public typings, but createProgram uses it: one package.json cache for the session
      // instead of re-reading and re-parsing every library's package.json on each program.
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

/** A diagnostic of the cell file, in the coordinates of the cell's code (which starts at `codeStart`). */
function toCellDiagnostic(d: ts.Diagnostic, code: ts.SourceFile, codeStart: number): CellDiagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  let line = 1,
    column = 1;
  if (d.file && d.start !== undefined) {
    const pos = code.getLineAndCharacterOfPosition(Math.min(d.start - codeStart, code.text.length));
    line = pos.line + 1;
    column = pos.character + 1;
  }
  return { line, column, code: d.code, message };
}
