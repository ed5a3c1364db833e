// Checks on a judgment sent by the review panel, beyond its shape: every candidate id it names
// must belong to the item it judges. Pure, so the rules are unit-tested without VS Code.
import * as crypto from 'node:crypto';
import type { Judgment, QueueItem } from '../records';

type JudgmentLike = Omit<Judgment, 'judgedAt'>;

/** Returns the problems found (empty when the judgment fits the item). */
export function judgmentProblems(item: QueueItem, j: JudgmentLike): string[] {
  const ids = new Set(item.candidates.map((c) => c.id));
  const problems: string[] = [];
  const unknown = (where: string, id: string) => problems.push(`${where} names ${JSON.stringify(id)}, which is not a candidate of item ${item.id}`);
  if (j.winner !== undefined && j.winner !== 'tie' && j.winner !== 'both_bad' && !ids.has(j.winner)) unknown('winner', j.winner);
  if (j.ranking) {
    const seen = new Set<string>();
    for (const group of j.ranking)
      for (const id of group) {
        if (!ids.has(id)) unknown('ranking', id);
        else if (seen.has(id)) problems.push(`ranking lists ${id} twice`);
        seen.add(id);
      }
    if (problems.length === 0 && seen.size !== ids.size) problems.push(`ranking has ${seen.size} of the item's ${ids.size} candidates; rank every candidate`);
  }
  for (const id of Object.keys(j.ratings ?? {})) if (!ids.has(id)) unknown('ratings', id);
  for (const id of Object.keys(j.tags ?? {})) if (!ids.has(id)) unknown('tags', id);
  for (const rw of j.rewrites ?? []) if (!ids.has(rw.candidateId)) unknown('rewrites', rw.candidateId);
  if (j.shownOrder) {
    const shown = new Set(j.shownOrder);
    if (shown.size !== j.shownOrder.length || shown.size !== ids.size || j.shownOrder.some((id) => !ids.has(id)))
      problems.push(`shownOrder must list each candidate of item ${item.id} once`);
  }
  if (j.strength && (j.winner === 'tie' || j.winner === 'both_bad')) problems.push(`strength does not apply to ${j.winner}`);
  return problems;
}

/**
 * Version of the guidelines text: a `version:` line in its front matter when present, else
 * the first 12 hex digits of its SHA-256 (so any edit gives a new version).
 */
export function guidelineVersion(text: string): string {
  const fm = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  const v = fm && /^version:\s*["']?([^"'\r\n]+?)["']?\s*$/m.exec(fm[1]);
  if (v) return v[1];
  return 'sha256:' + crypto.createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Short human summary of a judgment using the labels shown (A, B, ...). */
export function describeJudgment(j: JudgmentLike, labelOf: (id: string) => string): string {
  if (j.ranking) return 'ranking ' + j.ranking.map((g) => g.map(labelOf).join(' = ')).join(' > ');
  if (j.winner === 'tie') return 'tie';
  if (j.winner === 'both_bad') return 'both bad';
  if (!j.winner) return 'judgment';
  const how = j.strength === 'clear' ? 'clearly better' : j.strength === 'slight' ? 'slightly better' : 'better';
  return `${labelOf(j.winner)} is ${how}`;
}
