// The validation report as text, shown to the user before an export is written.
import type { ExportReport } from './export';

export const FORMAT_LABELS: Record<ExportReport['format'], string> = {
  'trl-preference': 'TRL preference (standard)',
  'trl-conversational': 'TRL preference (conversational)',
  'trl-kto': 'TRL KTO (unpaired)',
  'trl-sft': 'TRL SFT (prompt/completion)',
  'openai-dpo': 'OpenAI / Together / Fireworks DPO JSONL',
  hh: 'Anthropic HH',
};

/** One line of counts, then what was left out and why (first `maxWarnings` warnings). */
export function formatExportReport(report: ExportReport, maxWarnings = 8): string {
  const c = report.counts;
  const lines: string[] = [];
  const made =
    report.format === 'trl-kto'
      ? `${c.unpaired.desirable} desirable + ${c.unpaired.undesirable} undesirable examples`
      : report.format === 'trl-sft'
        ? `${c.sft} prompt/completion examples`
        : `${c.pairs.winner + c.pairs.ranking + c.pairs.rewrite} pairs (${c.pairs.winner} from winners, ${c.pairs.ranking} from rankings, ${c.pairs.rewrite} from rewrites)`;
  lines.push(`${c.records} record(s) → ${made}; ${c.train} train, ${c.eval} eval.`);
  const left: string[] = [];
  if (c.duplicates) left.push(`${c.duplicates} duplicate`);
  if (c.identical) left.push(`${c.identical} identical chosen/rejected`);
  if (c.empty) left.push(`${c.empty} empty`);
  if (c.oversized) left.push(`${c.oversized} oversized`);
  if (left.length) lines.push(`Left out: ${left.join(', ')}.`);
  if (c.recordsWithoutExamples) lines.push(`${c.recordsWithoutExamples} record(s) gave no example in this format.`);
  for (const e of report.errors) lines.push(`Error: ${e}`);
  const shown = report.warnings.slice(0, maxWarnings);
  if (shown.length) lines.push('', 'Warnings:', ...shown.map((w) => `• ${w}`));
  if (report.warnings.length > shown.length) lines.push(`• … ${report.warnings.length - shown.length} more (see the manifest and the log)`);
  return lines.join('\n');
}
