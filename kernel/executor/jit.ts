import * as v8 from 'node:v8';

/**
 * Keeps functions out of V8's optimizing compiler. TypeScript's factories (`createTypeChecker`,
 * `createProgram`, `createPrinter`, `transformNodes`) each build one checker, program, printer or
 * transformation: a call runs once, but runs so much code (createTypeChecker: 29 KB of bytecode that
 * creates some 2,000 closures) that after a few hundred cells V8 marks them hot and optimizes them,
 * which measured 0.5-5 s of compiler time each and up to 150 MB of compiler memory that the allocator
 * then keeps: the process's RSS jumped by that much mid-session and stayed there. An optimized
 * version gains nothing (each is called a few times per cell at most).
 * Uses V8's `%NeverOptimizeFunction`, reached by allowing natives syntax for one compilation.
 */
export function keepUnoptimized(...fns: unknown[]): void {
  let neverOptimize: (f: unknown) => void;
  try {
    v8.setFlagsFromString('--allow-natives-syntax');
    neverOptimize = new Function('f', '%NeverOptimizeFunction(f)') as (f: unknown) => void;
  } catch {
    return; // a V8 without it: the functions stay as they are
  } finally {
    v8.setFlagsFromString('--no-allow-natives-syntax');
  }
  for (const f of fns) if (typeof f === 'function') neverOptimize(f);
}
