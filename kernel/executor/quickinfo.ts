import ts from 'typescript';

/** Where a cell's code sits in the file the language service reads: after the header of earlier names. */
export interface CellView {
  service: ts.LanguageService;
  file: string;
  /** The header of earlier cells' names ends here; the cell's code follows. */
  codeStart: number;
}

/**
 * Quick info, seen through the header: a name from an earlier cell is declared there as
 * `typeof import(snapshot).name`, so its signature and docs are read where it was really declared
 * (an import in the header already leads TypeScript to the module's declaration).
 */
export function quickInfo(view: CellView, pos: number): ts.QuickInfo | undefined {
  const { service, file } = view;
  const info = service.getQuickInfoAtPosition(file, pos);
  if (!info) return info;
  const def = service
    .getDefinitionAtPosition(file, pos)
    ?.find((d) => d.fileName === file && d.textSpan.start < view.codeStart);
  const text = service.getProgram()?.getSourceFile(file)?.text;
  if (!def || !text) return info;
  const lineEnd = text.indexOf('\n', def.textSpan.start);
  const line = text.slice(def.textSpan.start, lineEnd < 0 ? undefined : lineEnd);
  // `name: typeof import("snapshot").name;` -> the declaration in the snapshot
  const imported = /import\("[^"]*"\)\.([\w$]+)/.exec(line);
  if (!imported) return info;
  const at = def.textSpan.start + imported.index + imported[0].length - imported[1].length;
  return service.getQuickInfoAtPosition(file, at) ?? info;
}

/** A declaration's signature as users read it: no `export` or `import` lines, no `(alias)` prefix. */
export function signatureText(info: ts.QuickInfo): string {
  return ts
    .displayPartsToString(info.displayParts)
    .split('\n')
    .filter((l) => !/^(?:export|import) /.test(l))
    .join('\n')
    .replace(/^\(alias\)\s*/, '');
}
