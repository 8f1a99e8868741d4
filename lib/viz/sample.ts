// Stratified sampling: every class keeps its share of the N points (and small classes are not lost).
import { derive } from '../random';

/**
 * Indices of at most `n` of `labels.length` items, allocated to classes in proportion to their
 * size (largest remainders), at least one per class while n allows; seeded, returned sorted.
 */
export function stratifiedSample(
  labels: ArrayLike<unknown> | undefined,
  total: number,
  n: number,
  label = 'viz:stratified',
): number[] {
  if (n >= total) return Array.from({ length: total }, (_, i) => i);
  const rand = derive(label);
  const shuffle = (xs: number[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  if (!labels)
    return shuffle(Array.from({ length: total }, (_, i) => i))
      .slice(0, n)
      .sort((a, b) => a - b);
  const groups = new Map<unknown, number[]>();
  for (let i = 0; i < total; i++) {
    const g = groups.get(labels[i]);
    if (g) g.push(i);
    else groups.set(labels[i], [i]);
  }
  const classes = [...groups.keys()];
  const quota = classes.map((c) => (groups.get(c)!.length * n) / total);
  const take = quota.map((q) => Math.floor(q));
  if (n >= classes.length)
    take.forEach((t, i) => {
      if (t === 0) take[i] = 1;
    });
  let left = n - take.reduce((a, b) => a + b, 0);
  const byRemainder = classes
    .map((_, i) => i)
    .sort((a, b) => quota[b] - Math.floor(quota[b]) - (quota[a] - Math.floor(quota[a])));
  for (const i of byRemainder) {
    if (left <= 0) break;
    if (take[i] < groups.get(classes[i])!.length) {
      take[i]++;
      left--;
    }
  }
  while (left < 0) {
    const i = take.indexOf(Math.max(...take));
    take[i]--;
    left++;
  }
  const out: number[] = [];
  classes.forEach((c, i) => out.push(...shuffle([...groups.get(c)!]).slice(0, take[i])));
  return out.sort((a, b) => a - b);
}
