import seedrandom from 'seedrandom';

/**
 * The library's own seeded generator. `seed(n)` (and `%seed n`) reseeds it, Math.random and tfjs
 * so that seeded cells repeat exactly.
 */
let generator: seedrandom.PRNG = seedrandom(String(Date.now()));
let currentSeed: number | undefined;
const nativeRandom = Math.random;

export function seed(n: number): void {
  if (!Number.isFinite(n)) throw new TypeError(`seed: expected a number, got ${n}`);
  currentSeed = n;
  generator = seedrandom(String(n));
  const forMath = seedrandom(`math:${n}`);
  Math.random = () => forMath();
}

/** Restores Math.random to the platform generator (used by %reset). */
export function unseed(): void {
  currentSeed = undefined;
  Math.random = nativeRandom;
  generator = seedrandom(String(Date.now()));
}

/** A uniform float in [0, 1) from the library's generator. */
export function random(): number {
  return generator();
}

/** A fresh generator derived from the current seed and a label, for components that need their own stream. */
export function derive(label: string): seedrandom.PRNG {
  return seedrandom(`${currentSeed ?? generator()}:${label}`);
}

/** Fisher–Yates shuffle in place, drawing from `rng` (last position first, so a seed fixes the order). */
export function shuffleInPlace<T extends { length: number; [i: number]: any }>(items: T, rng: () => number): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** k distinct indices of 0..n-1 (sorted), seeded: Floyd's algorithm, O(k). */
export function sampleIndices(n: number, k: number, label = 'sample'): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const rand = derive(label);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(rand() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}
