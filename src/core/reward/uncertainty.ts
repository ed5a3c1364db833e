// Queue ordering from reward scores: where the model is least sure, or where it sees trouble.

/** Smallest score gap between any two candidates of an item (Infinity with fewer than two). */
export function scoreMargin(scores: number[]): number {
  const s = [...scores].sort((a, b) => a - b);
  let m = Infinity;
  for (let i = 1; i < s.length; i++) m = Math.min(m, s[i] - s[i - 1]);
  return m;
}

/**
 * Items whose candidates score closest together come first (the most informative to judge).
 * `scores[i]` are the candidate scores of `items[i]`; the sort is stable.
 */
export function orderByUncertainty<T>(items: T[], scores: number[][]): T[] {
  if (items.length !== scores.length) throw new Error(`orderByUncertainty: ${items.length} items but ${scores.length} score lists`);
  return items
    .map((item, i) => ({ item, i, m: scoreMargin(scores[i]) }))
    .sort((a, b) => a.m - b.m || a.i - b.i)
    .map((x) => x.item);
}

/**
 * Items with a candidate scoring below `threshold` first, lowest score first; the rest keep
 * their order.
 */
export function flaggedFirst<T>(items: T[], scores: number[][], threshold: number): T[] {
  if (items.length !== scores.length) throw new Error(`flaggedFirst: ${items.length} items but ${scores.length} score lists`);
  const rows = items.map((item, i) => ({ item, i, min: Math.min(...scores[i]) }));
  const flagged = rows.filter((r) => r.min < threshold).sort((a, b) => a.min - b.min || a.i - b.i);
  const rest = rows.filter((r) => !(r.min < threshold));
  return [...flagged, ...rest].map((r) => r.item);
}
