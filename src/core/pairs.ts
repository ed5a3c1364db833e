// What a judgment means as training signal. Shared by the reward model and every export
// format so the mapping rules exist once (README: "From judgments to training data").
import type { Candidate, PreferenceRecord, Retraction } from './records';

export interface PreferencePair {
  recordId: string;
  /** Why this pair exists. */
  kind: 'winner' | 'ranking' | 'rewrite';
  chosen: { text: string; candidateId: string; rewritten: boolean };
  rejected: { text: string; candidateId: string };
  strength?: 'slight' | 'clear';
}

export interface UnpairedExample {
  recordId: string;
  candidateId: string;
  text: string;
  label: boolean;
}

/** Records minus those withdrawn by a later retraction. */
export function activeRecords(records: PreferenceRecord[], retractions: Retraction[]): PreferenceRecord[] {
  const gone = new Set(retractions.map((r) => r.recordId));
  return records.filter((r) => !gone.has(r.id));
}

/** Tie groups best-first: the explicit ranking, or one derived from the winner. */
export function rankingOf(rec: PreferenceRecord): string[][] | undefined {
  const j = rec.judgment;
  if (j.ranking) return j.ranking;
  if (!j.winner || j.winner === 'tie' || j.winner === 'both_bad') return undefined;
  const others = rec.candidates.map((c) => c.id).filter((id) => id !== j.winner);
  return [[j.winner], others];
}

/**
 * All ordered pairs a record implies: every candidate in a better group beats every
 * candidate in a worse group (ties give no pair); a rewrite beats the response it rewrote.
 * "Both bad" and ties yield no pairs.
 */
export function pairsOf(rec: PreferenceRecord): PreferencePair[] {
  const byId = new Map<string, Candidate>(rec.candidates.map((c) => [c.id, c]));
  const out: PreferencePair[] = [];
  const ranking = rankingOf(rec);
  if (ranking) {
    const kind = rec.judgment.ranking ? 'ranking' : 'winner';
    for (let hi = 0; hi < ranking.length; hi++) {
      for (let lo = hi + 1; lo < ranking.length; lo++) {
        for (const a of ranking[hi]) {
          for (const b of ranking[lo]) {
            const ca = byId.get(a);
            const cb = byId.get(b);
            if (!ca || !cb || ca.text === cb.text) continue;
            out.push({
              recordId: rec.id,
              kind,
              chosen: { text: ca.text, candidateId: a, rewritten: false },
              rejected: { text: cb.text, candidateId: b },
              strength: rec.judgment.strength,
            });
          }
        }
      }
    }
  }
  for (const rw of rec.judgment.rewrites ?? []) {
    const orig = byId.get(rw.candidateId);
    if (!orig || orig.text === rw.text) continue;
    out.push({
      recordId: rec.id,
      kind: 'rewrite',
      chosen: { text: rw.text, candidateId: rw.candidateId, rewritten: true },
      rejected: { text: orig.text, candidateId: orig.id },
    });
  }
  return out;
}

/**
 * Unpaired (KTO-style) labels: the best group and rewrites are desirable, the worst group
 * undesirable; "both bad" marks every response undesirable. Middle ranks and ties give nothing.
 */
export function unpairedOf(rec: PreferenceRecord): UnpairedExample[] {
  const out: UnpairedExample[] = [];
  const byId = new Map(rec.candidates.map((c) => [c.id, c]));
  const push = (id: string, label: boolean, text?: string) => {
    const c = byId.get(id);
    if (c) out.push({ recordId: rec.id, candidateId: id, text: text ?? c.text, label });
  };
  if (rec.judgment.winner === 'both_bad') {
    for (const c of rec.candidates) push(c.id, false);
  } else {
    const ranking = rankingOf(rec);
    if (ranking && ranking.length > 1) {
      for (const id of ranking[0]) push(id, true);
      for (const id of ranking[ranking.length - 1]) push(id, false);
    }
  }
  for (const rw of rec.judgment.rewrites ?? []) push(rw.candidateId, true, rw.text);
  return out;
}
