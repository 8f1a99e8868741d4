import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../lib/util/package';

export { PACKAGE_ROOT };

/**
 * Where an import specifier points, decided in one place for both of its readers: the type checker
 * (checker.ts, through TypeScript's resolver) and the run-time loader (modules.ts, through Node's).
 * They must agree, or a cell would be checked against one module and run another.
 *
 * - `amalgam`: this package's own build, from any folder (its only entry point: the export map
 *   names no subpath, so `amalgam/...` is refused like any package's undeclared subpath);
 * - Node builtins (`fs`, `node:fs`): Node's own (the types come from @types/node);
 * - relative and absolute paths: a file, relative to the importing file's folder;
 * - anything else is a package, looked up from the importing folder first, then from amalgam's own
 *   install, so the packages amalgam ships (tfjs, arquero, danfo, vega) import from any notebook.
 */
export type ModuleTarget =
  | { kind: 'amalgam'; entry: string }
  | { kind: 'builtin'; folders: string[] }
  | { kind: 'file' }
  | { kind: 'package'; folders: string[] };

export function moduleTarget(spec: string, fromDir: string): ModuleTarget {
  if (spec === 'amalgam') return { kind: 'amalgam', entry: path.join(PACKAGE_ROOT, 'dist', 'lib', 'index') };
  if (spec.startsWith('.') || path.isAbsolute(spec)) return { kind: 'file' };
  const folders = fromDir === PACKAGE_ROOT ? [fromDir] : [fromDir, PACKAGE_ROOT];
  return spec.startsWith('node:') || builtinModules.includes(spec)
    ? { kind: 'builtin', folders }
    : { kind: 'package', folders };
}
