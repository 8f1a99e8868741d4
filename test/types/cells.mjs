// Type-checks TypeScript the way notebook cells are checked (the kernel's own checker, against the
// package's published .d.ts through `import ... from 'amalgam'`), without running it: each cell's
// declarations are committed so later cells see them, as in a notebook. Magic lines are parsed
// against their declarations, so a flag the README uses must exist.
import { createRequire } from 'node:module';
import { ROOT } from '../helpers/kernelspec.mjs';

const require = createRequire(import.meta.url);
const { Executor } = require('../../dist/kernel/executor/executor.js');
const { splitCell } = require('../../dist/kernel/magics/split.js');
require('../../dist/kernel/magics/index.js');
const { getMagic, parseMagicArgs } = require('../../dist/lib/magics/magic.js');

/** A fresh checking session (one notebook). */
export function session(cwd = ROOT) {
  const executor = new Executor(cwd);
  const problems = [];
  return {
    problems,
    /** Checks one cell (code and magics); returns its problems (also collected in `problems`). */
    check(cell, where) {
      const found = [];
      for (const seg of splitCell(cell)) {
        if (seg.kind === 'code') {
          const r = executor.checker.check(seg.text);
          for (const d of r.diagnostics)
            found.push(`${where} line ${seg.line + d.line}, column ${d.column}: ${d.message} (TS${d.code})`);
          if (!r.diagnostics.length) executor.checker.commit(seg.text, r.declarations);
          continue;
        }
        const magic = getMagic(seg.kind, seg.name);
        if (!magic) {
          found.push(`${where} line ${seg.line + 1}: no ${seg.kind} magic %${seg.name}`);
          continue;
        }
        if (seg.help) continue;
        try {
          parseMagicArgs(magic, seg.args);
        } catch (e) {
          found.push(`${where} line ${seg.line + 1}: ${e.message}`);
        }
      }
      problems.push(...found);
      return found;
    },
    /** Declares a name a magic would bind (`%load iris iris` binds a Dataset). */
    declare(name, type) {
      executor.checker.declare(name, type);
    },
  };
}
