// The flag threshold is learned from held-out scores, never hard-coded.

export interface Calibration {
  /** Responses scoring below this are flagged. */
  threshold: number;
  /** Mean of the hit rates on good (not flagged) and bad (flagged) responses at the threshold. */
  balancedAccuracy: number;
  /** Share of good responses at or above the threshold. */
  goodKept: number;
  /** Share of bad responses below the threshold. */
  badFlagged: number;
  nGood: number;
  nBad: number;
}

/**
 * Picks the threshold that maximises balanced accuracy between scores of responses judged
 * good (e.g. held-out chosen) and bad (held-out rejected). Among equally good thresholds the
 * middle of the best run is taken, so the cut sits away from the nearest examples.
 * `minGoodKept` restricts the choice to cuts that leave at least that share of good responses
 * unflagged (a flag on a good answer costs a reviewer more than a missed weak one); when no cut
 * qualifies, every cut is considered.
 */
export function calibrateThreshold(good: number[], bad: number[], opts: { minGoodKept?: number } = {}): Calibration {
  if (good.length === 0 || bad.length === 0) {
    throw new Error(`calibration needs scores of both good and bad responses (got ${good.length} good, ${bad.length} bad)`);
  }
  const all = [...good.map((s) => ({ s, g: 1 })), ...bad.map((s) => ({ s, g: 0 }))].sort((a, b) => a.s - b.s);
  // Candidate cut k: everything before index k is flagged.
  const cuts: Array<{ t: number; ba: number; kept: number; flagged: number }> = [];
  let badBelow = 0;
  let goodBelow = 0;
  for (let k = 0; k <= all.length; k++) {
    if (k > 0) {
      if (all[k - 1].g) goodBelow++; else badBelow++;
    }
    if (k > 0 && k < all.length && all[k].s === all[k - 1].s) continue;
    const t = k === 0 ? all[0].s - 1e-6 : k === all.length ? all[k - 1].s + 1e-6 : (all[k - 1].s + all[k].s) / 2;
    const kept = (good.length - goodBelow) / good.length;
    const flagged = badBelow / bad.length;
    cuts.push({ t, ba: (kept + flagged) / 2, kept, flagged });
  }
  const floor = opts.minGoodKept ?? 0;
  const ok = cuts.some((c) => c.kept >= floor) ? (c: (typeof cuts)[number]) => c.kept >= floor : () => true;
  const best = Math.max(...cuts.filter(ok).map((c) => c.ba));
  const bestIdx = cuts.map((c, i) => (c.ba === best && ok(c) ? i : -1)).filter((i) => i >= 0);
  const pick = cuts[bestIdx[Math.floor((bestIdx.length - 1) / 2)]];
  return { threshold: pick.t, balancedAccuracy: pick.ba, goodKept: pick.kept, badFlagged: pick.flagged, nGood: good.length, nBad: bad.length };
}
