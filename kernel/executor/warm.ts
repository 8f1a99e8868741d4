import ts from 'typescript';

/**
 * The fast type-check path: one TypeScript checker kept warm across cells.
 *
 * A program build walks every file (1,100 of them once tfjs, arquero and danfo are imported: 60-150
 * ms), and a fresh checker re-resolves every library type a cell touches (tfjs's `Tensor` alone:
 * 10-40 ms). Neither is needed for a cell that imports nothing new: the library files do not change,
 * and the files that do (the cell, the snapshots of cells that declared names) are small modules.
 * So one checker stays alive over a *view* of the last full program: its files plus the snapshots
 * written since, plus the cell. Each new file is parsed, given its module references and their
 * resolutions (TypeScript's own rules, with the checker's resolver) and bound; `warm()` checks it with
 * the checker that already resolved everything earlier cells needed, `fresh()` with a new checker over
 * the same view, for messages exactly as a program build prints them.
 *
 * This uses TypeScript internals (createTypeChecker, bindSourceFile and the comment-directive helpers,
 * all present on 5.x's `ts` object); `available` is false if one is missing and the kernel then takes
 * the full path for every cell. test/kernel/checker.test.mjs proves both paths report the same.
 */
const internal = ts as any;
export const available = [
  'createTypeChecker',
  'bindSourceFile',
  'forEachDynamicImportOrRequireCall',
  'isAnyImportOrReExport',
  'getExternalModuleName',
  'isAmbientModule',
  'createCommentDirectivesMap',
  'createDiagnosticForRange',
  'skipTypeChecking',
  'getSetExternalModuleIndicator',
  'resolutionExtensionIsTSOrJson',
].every((name) => typeof internal[name] === 'function');

/** A module resolution, as the checker asks for it. */
export type Resolve = (spec: string, containingFile: string) => ts.ResolvedModuleWithFailedLookupLocations;

/** A file the program has not seen, ready for the warm checker. */
export interface ExtraFile {
  file: ts.SourceFile;
  resolutions: Map<string, ts.ResolvedModuleWithFailedLookupLocations>;
}

/** After this many cells the checker is renewed, so what it caches for old cells stays bounded. */
const RENEW_AFTER = 100;

export class WarmChecker {
  private checker: (ts.TypeChecker & { getDiagnostics(f: ts.SourceFile): ts.Diagnostic[] }) | undefined;
  private checks = 0;
  private extra = new Map<string, ExtraFile>();
  private byFile = new WeakMap<ts.SourceFile, ExtraFile>();
  private cell: ExtraFile | undefined;
  private readonly baseFiles: readonly ts.SourceFile[];
  private readonly view: ts.Program;

  /** `base` is the last full program; its version of `cellPath` is replaced by each cell. */
  constructor(
    private readonly base: ts.Program,
    private readonly cellPath: string,
    private readonly options: ts.CompilerOptions,
  ) {
    this.baseFiles = base.getSourceFiles().filter((f) => f.fileName !== cellPath);
    const fileNamed = (name: string) =>
      name === this.cellPath ? this.cell?.file : (this.extra.get(name)?.file ?? base.getSourceFile(name));
    this.view = Object.create(base, {
      getSourceFiles: {
        value: () => [
          ...this.baseFiles,
          ...[...this.extra.values()].map((e) => e.file),
          ...(this.cell ? [this.cell.file] : []),
        ],
      },
      getSourceFile: { value: fileNamed },
      getSourceFileByPath: {
        value: (p: string) =>
          p === (this.cell?.file as any)?.path
            ? this.cell!.file
            : (this.extra.get(p)?.file ?? (base as any).getSourceFileByPath(p)),
      },
      getResolvedModule: {
        value: (f: ts.SourceFile, name: string, mode: ts.ResolutionMode) => {
          const extra = this.byFile.get(f);
          return extra ? extra.resolutions.get(name) : (base as any).getResolvedModule(f, name, mode);
        },
      },
    });
  }

  has(fileName: string): boolean {
    return this.extra.has(fileName) || (fileName !== this.cellPath && !!this.base.getSourceFile(fileName));
  }

  /** A snapshot written after the base program: earlier cells' names are declared in it. */
  add(extra: ExtraFile): void {
    this.extra.set(extra.file.fileName, extra);
    this.byFile.set(extra.file, extra);
  }

  delete(fileName: string): void {
    this.extra.delete(fileName);
  }

  extraFiles(): string[] {
    return [...this.extra.keys()];
  }

  /**
   * The cell's semantic diagnostics, as `program.getSemanticDiagnostics` reports them, from the
   * checker kept warm across cells (renewed every RENEW_AFTER cells), or undefined when the cell
   * needs a program the view cannot stand in for (it brings files the program lacks).
   */
  warm(cell: ExtraFile): ts.Diagnostic[] | undefined {
    if (!this.admit(cell)) return undefined;
    if (!this.checker || this.checks >= RENEW_AFTER) {
      this.checker = internal.createTypeChecker(this.view);
      this.checks = 0;
    }
    this.checks++;
    return semanticDiagnostics(cell.file, this.checker!, this.view, this.options);
  }

  /** The same from a fresh checker over the view: what a program build reports, message for message. */
  fresh(cell: ExtraFile): ts.Diagnostic[] | undefined {
    if (!this.admit(cell)) return undefined;
    return semanticDiagnostics(cell.file, internal.createTypeChecker(this.view), this.view, this.options);
  }

  private admit(cell: ExtraFile): boolean {
    for (const f of [cell, ...this.extra.values()]) if (!this.resolvesWithin(f)) return false;
    this.cell = cell;
    this.byFile.set(cell.file, cell);
    return true;
  }

  /** Every file a resolution would add to a program (TypeScript or JSON) is already in the view. */
  private resolvesWithin(f: ExtraFile): boolean {
    for (const r of f.resolutions.values()) {
      const m = r.resolvedModule;
      if (m && internal.resolutionExtensionIsTSOrJson(m.extension) && !this.has(m.resolvedFileName)) return false;
    }
    return true;
  }
}

/**
 * Parses `text` as the program would (same options, module detection and node format), collects its
 * module references, resolves them and binds it. Undefined for what only a program can take in:
 * module augmentations, ambient modules, triple-slash references.
 */
export function prepareFile(
  fileName: string,
  text: string,
  options: ts.CompilerOptions,
  resolve: Resolve,
  key = fileName,
): ExtraFile | undefined {
  const file = ts.createSourceFile(
    fileName,
    text,
    {
      languageVersion: options.target ?? ts.ScriptTarget.ES2022,
      setExternalModuleIndicator: internal.getSetExternalModuleIndicator(options),
    },
    false,
  ) as ts.SourceFile & Record<string, any>;
  // The key (unique per cell) keeps the checker's diagnostics of successive cells apart.
  Object.assign(file, { path: key, resolvedPath: key, originalFileName: fileName });
  if (file.referencedFiles.length || file.typeReferenceDirectives.length || file.libReferenceDirectives.length)
    return undefined;
  const imports: ts.StringLiteralLike[] = [];
  for (const node of file.statements) {
    if (internal.isAnyImportOrReExport(node)) {
      const name = internal.getExternalModuleName(node);
      if (name && ts.isStringLiteral(name) && name.text) imports.push(name);
    } else if (ts.isModuleDeclaration(node) && internal.isAmbientModule(node)) return undefined;
  }
  if (file.flags & (ts.NodeFlags as any).PossiblyContainsDynamicImport)
    internal.forEachDynamicImportOrRequireCall(file, true, true, (_node: ts.Node, spec: ts.StringLiteralLike) =>
      imports.push(spec),
    );
  Object.assign(file, { imports, moduleAugmentations: [], ambientModuleNames: [] });
  const resolutions = new Map(imports.map((lit) => [lit.text, resolve(lit.text, fileName)]));
  internal.bindSourceFile(file, options);
  return { file, resolutions };
}

/** What `program.getSemanticDiagnostics(file)` adds to the checker's own: bind errors, `@ts-` comments. */
function semanticDiagnostics(
  file: ts.SourceFile & Record<string, any>,
  checker: { getDiagnostics(f: ts.SourceFile): ts.Diagnostic[] },
  view: ts.Program,
  options: ts.CompilerOptions,
): ts.Diagnostic[] {
  if (internal.skipTypeChecking(file, options, view)) return [];
  // The checker keeps earlier cells' diagnostics under the same file name: only this file's count.
  const own = checker.getDiagnostics(file).filter((d) => !d.file || d.file === file);
  let diagnostics: ts.Diagnostic[] = [...(file.bindDiagnostics ?? []), ...own];
  if (file.commentDirectives?.length) {
    const directives = internal.createCommentDirectivesMap(file, file.commentDirectives);
    diagnostics = diagnostics.filter((d) => !coveredByDirective(d, directives));
    for (const unused of directives.getUnusedExpectations())
      diagnostics.push(
        internal.createDiagnosticForRange(file, unused.range, (ts as any).Diagnostics.Unused_ts_expect_error_directive),
      );
  }
  return diagnostics.filter((d: any) => !d.skippedOn || !(options as any)[d.skippedOn]);
}

/** A `// @ts-ignore` or `// @ts-expect-error` on the nearest code line above the diagnostic (TypeScript's rule). */
function coveredByDirective(d: ts.Diagnostic, directives: { markUsed(line: number): boolean }): boolean {
  if (!d.file || d.start === undefined) return false;
  const starts = d.file.getLineStarts();
  let line = d.file.getLineAndCharacterOfPosition(d.start).line - 1;
  while (line >= 0) {
    if (directives.markUsed(line)) return true;
    const text = d.file.text.slice(starts[line], starts[line + 1]).trim();
    if (text !== '' && !/^\s*\/\/.*$/.test(text)) return false;
    line--;
  }
  return false;
}
