import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { moduleTarget } from './resolve';

/**
 * Loads what cells import, the way TypeScript with esModuleInterop sees it: CommonJS through require
 * (so tfjs's dynamically defined exports are all there), ESM-only packages through import(), local
 * `.ts` files compiled on the fly. Where each specifier is looked up (`amalgam` itself, builtins,
 * files, packages from the notebook's folder then amalgam's own) is resolve.ts, shared with the checker.
 */
const ESM_ONLY = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
const nativeImport = (url: string): Promise<any> => import(url);

let tsHookInstalled = false;
function installTsHook(): void {
  if (tsHookInstalled) return;
  tsHookInstalled = true;
  require.extensions['.ts'] = (module: any, filename: string) => {
    const source = fs.readFileSync(filename, 'utf8');
    const out = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
      },
    });
    module._compile(out.outputText, filename);
  };
}

interface Loaded {
  module: any;
  esm: boolean;
}

function resolveLocal(spec: string, cwd: string): string {
  const base = path.resolve(cwd, spec);
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.js`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.js'),
  ]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw Object.assign(new Error(`Cannot find module '${spec}' (looked for ${base}[.ts|.js] from ${cwd})`), {
    code: 'MODULE_NOT_FOUND',
  });
}

/** The ESM entry of an ESM-only package, found from `from` upwards. */
function resolveEsmEntry(spec: string, from: string): string | undefined {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = parts.slice(spec.startsWith('@') ? 2 : 1).join('/');
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, 'node_modules', name);
    const manifest = path.join(pkgDir, 'package.json');
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      const key = sub ? `./${sub}` : '.';
      let entry: any =
        typeof pkg.exports === 'string' && !sub
          ? pkg.exports
          : (pkg.exports?.[key] ?? (!sub ? pkg.exports : undefined));
      while (entry && typeof entry === 'object') entry = entry.import ?? entry.node ?? entry.default;
      entry ??= sub || pkg.module || pkg.main || 'index.js';
      return path.join(pkgDir, entry);
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function loadFrom(spec: string, from: string): Promise<Loaded> {
  const req = createRequire(path.join(from, '__amalgam__.js'));
  let resolved: string;
  try {
    resolved = req.resolve(spec);
  } catch (e: any) {
    if (!ESM_ONLY.has(e.code)) throw e;
    const entry = resolveEsmEntry(spec, from);
    if (!entry) throw e;
    return { module: await nativeImport(pathToFileURL(entry).href), esm: true };
  }
  try {
    return { module: req(resolved), esm: false };
  } catch (e: any) {
    if (!ESM_ONLY.has(e.code)) throw e;
    return { module: await nativeImport(pathToFileURL(resolved).href), esm: true };
  }
}

export async function loadModule(spec: string, cwd: string): Promise<Loaded> {
  const target = moduleTarget(spec, cwd);
  switch (target.kind) {
    case 'amalgam':
      return { module: require(target.entry), esm: false };
    case 'builtin':
      return { module: require(spec), esm: false };
    case 'file': {
      installTsHook();
      const file = resolveLocal(spec, cwd);
      try {
        return { module: require(file), esm: false };
      } catch (e: any) {
        if (!ESM_ONLY.has(e.code)) throw e;
        return { module: await nativeImport(pathToFileURL(file).href), esm: true };
      }
    }
    case 'package': {
      let first: unknown;
      for (const from of target.folders) {
        try {
          return await loadFrom(spec, from);
        } catch (e: any) {
          if (e.code !== 'MODULE_NOT_FOUND') throw e;
          first ??= e;
        }
      }
      // The error of the notebook's own folder names where the user would install it.
      throw first;
    }
  }
}

/** The value of one imported name: `*` (namespace), `default`, or a named export. */
export function pick({ module, esm }: Loaded, name: string, spec: string): unknown {
  if (esm) {
    if (name === '*') return module;
    if (!(name in module)) throw new SyntaxError(`The module '${spec}' does not provide an export named '${name}'`);
    return module[name];
  }
  if (name === '*') return module?.__esModule ? module : namespaceOf(module);
  if (name === 'default') return module?.__esModule ? module.default : module;
  return module?.[name];
}

/** esModuleInterop's view of a CommonJS module as a namespace: its properties plus `default`. */
function namespaceOf(module: any): any {
  if (module === null || (typeof module !== 'object' && typeof module !== 'function')) return { default: module };
  return new Proxy(module, {
    get: (target, key) => (key === 'default' ? target : Reflect.get(target, key)),
    has: (target, key) => key === 'default' || Reflect.has(target, key),
  });
}
