// One entry point for every export: records → JSONL rows in the chosen format, with a
// validation report, a deterministic train/eval split and a content hash of the result.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pairsOf, rankingOf, unpairedOf, type PreferencePair } from '../pairs';
import type { PreferenceRecord } from '../records';
import { dpoJsonlRow } from './dpoJsonl';
import { hhRow } from './hh';
import { ktoRow } from './kto';
import { promptText } from './prompt';
import { trlConversationalRow, trlPreferenceRow, trlSftRow } from './trl';

export const EXPORT_FORMATS = ['trl-preference', 'trl-conversational', 'trl-kto', 'trl-sft', 'openai-dpo', 'hh'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Which trainer method each format feeds (used by launchers to pick --method). */
export const FORMAT_METHOD: Record<ExportFormat, 'dpo' | 'kto' | 'sft'> = {
  'trl-preference': 'dpo',
  'trl-conversational': 'dpo',
  'trl-kto': 'kto',
  'trl-sft': 'sft',
  'openai-dpo': 'dpo',
  hh: 'dpo',
};

export const DEFAULT_MAX_CHARS = 100_000;
const MAX_LISTED_WARNINGS = 50;

export interface ExportOptions {
  format: ExportFormat;
  /** Drop file contents, selections and paths from prompts. */
  noCode?: boolean;
  includeFileContent?: boolean;
  /** Share of records (by id hash) that go to eval, in [0, 1). Default 0. */
  evalRatio?: number;
  /** An example whose JSON line is longer than this is left out (warning). */
  maxChars?: number;
  /** trl-sft: also use judged winners (not only rewrites) as completions. */
  sftIncludeWinners?: boolean;
  /** Changes which records land in eval without changing the ratio. */
  splitSalt?: string;
}

export interface ExportCounts {
  records: number;
  /** Pairs by why they exist (pair formats). */
  pairs: { winner: number; ranking: number; rewrite: number };
  unpaired: { desirable: number; undesirable: number };
  sft: number;
  /** Rows written (train + eval). */
  examples: number;
  train: number;
  eval: number;
  /** Records that produced no row in this format. */
  recordsWithoutExamples: number;
  duplicates: number;
  identical: number;
  empty: number;
  oversized: number;
}

export interface ExportReport {
  format: ExportFormat;
  counts: ExportCounts;
  warnings: string[];
  /** Non-empty means the export must not be used (nothing is written by writeExport). */
  errors: string[];
}

export interface ExportResult {
  format: ExportFormat;
  /** JSONL, one row per line, ending in a newline (empty string when no rows). */
  train: string;
  eval: string;
  report: ExportReport;
  /** sha256 (hex) over format, train and eval: identifies the dataset a run trained on. */
  hash: string;
}

/** Deterministic bucket in [0, 1) for a record id: the same id always lands in the same split. */
export function splitBucket(recordId: string, salt = ''): number {
  const h = crypto.createHash('sha256').update(salt + '\0' + recordId).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

export function datasetHash(format: string, train: string, evalText: string): string {
  return crypto.createHash('sha256').update(`${format}\0${train}\0${evalText}`).digest('hex');
}

interface Row {
  recordId: string;
  line: string;
}

function emptyCounts(): ExportCounts {
  return {
    records: 0,
    pairs: { winner: 0, ranking: 0, rewrite: 0 },
    unpaired: { desirable: 0, undesirable: 0 },
    sft: 0,
    examples: 0,
    train: 0,
    eval: 0,
    recordsWithoutExamples: 0,
    duplicates: 0,
    identical: 0,
    empty: 0,
    oversized: 0,
  };
}

/** Why a record yields no preference pair: shown to the user so nothing vanishes silently. */
function noPairReason(rec: PreferenceRecord): string {
  const w = rec.judgment.winner;
  if (w === 'both_bad') return 'judged "both bad" (no DPO pair; use trl-kto for label:false examples)';
  if (w === 'tie') return 'judged a tie (ties give no pair)';
  const r = rankingOf(rec);
  if (r && r.length < 2) return 'ranking has a single tie group (ties give no pair)';
  return 'candidates are identical or unknown ids';
}

export function exportDataset(records: PreferenceRecord[], opts: ExportOptions): ExportResult {
  const counts = emptyCounts();
  const warnings: string[] = [];
  const errors: string[] = [];
  const format = opts.format;
  const evalRatio = opts.evalRatio ?? 0;
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    errors.push(`unknown export format "${String(format)}" (expected one of ${EXPORT_FORMATS.join(', ')})`);
  }
  if (!(evalRatio >= 0 && evalRatio < 1)) errors.push(`evalRatio must be in [0, 1), got ${evalRatio}`);
  if (!(maxChars > 0)) errors.push(`maxChars must be positive, got ${maxChars}`);
  if (errors.length) {
    return { format, train: '', eval: '', report: { format, counts, warnings, errors }, hash: datasetHash(format, '', '') };
  }

  let listed = 0;
  let unlisted = 0;
  const warn = (msg: string) => {
    if (listed < MAX_LISTED_WARNINGS) {
      warnings.push(msg);
      listed++;
    } else unlisted++;
  };

  const seenIds = new Set<string>();
  const seenLines = new Set<string>();
  const rows: Row[] = [];
  const isPairFormat = format !== 'trl-kto' && format !== 'trl-sft';

  const keep = (rec: PreferenceRecord, row: unknown, what: string): boolean => {
    const line = JSON.stringify(row);
    if (line.length > maxChars) {
      counts.oversized++;
      warn(`record ${rec.id}: ${what} is ${line.length} chars, over maxChars ${maxChars}; left out`);
      return false;
    }
    if (seenLines.has(line)) {
      counts.duplicates++;
      warn(`record ${rec.id}: duplicate ${what}; left out`);
      return false;
    }
    seenLines.add(line);
    rows.push({ recordId: rec.id, line });
    return true;
  };

  for (const rec of records) {
    if (seenIds.has(rec.id)) {
      warn(`record ${rec.id} appears more than once; later copies ignored`);
      continue;
    }
    seenIds.add(rec.id);
    counts.records++;
    const prompt = promptText(rec.prompt, { noCode: opts.noCode, includeFileContent: opts.includeFileContent });
    let produced = 0;

    if (isPairFormat) {
      const pairs = pairsOf(rec);
      for (const p of pairs) {
        if (!checkPair(rec, p)) continue;
        const row =
          format === 'trl-preference'
            ? trlPreferenceRow(prompt, p)
            : format === 'trl-conversational'
              ? trlConversationalRow(prompt, p)
              : format === 'openai-dpo'
                ? dpoJsonlRow(prompt, p)
                : hhRow(prompt, p);
        if (keep(rec, row, `pair ${p.chosen.candidateId}>${p.rejected.candidateId}`)) {
          counts.pairs[p.kind]++;
          produced++;
        }
      }
      if (produced === 0 && pairs.length === 0) warn(`record ${rec.id}: no pair — ${noPairReason(rec)}`);
    } else if (format === 'trl-kto') {
      for (const ex of unpairedOf(rec)) {
        if (ex.text.trim() === '') {
          counts.empty++;
          warn(`record ${rec.id}: candidate ${ex.candidateId} is empty; left out`);
          continue;
        }
        if (keep(rec, ktoRow(prompt, ex), `example ${ex.candidateId}`)) {
          if (ex.label) counts.unpaired.desirable++;
          else counts.unpaired.undesirable++;
          produced++;
        }
      }
      if (produced === 0 && unpairedOf(rec).length === 0) warn(`record ${rec.id}: no labelled example (tie or middle ranks only)`);
    } else {
      const completions: { id: string; text: string }[] = [];
      const rewritten = new Set<string>();
      for (const rw of rec.judgment.rewrites ?? []) {
        completions.push({ id: `rewrite of ${rw.candidateId}`, text: rw.text });
        rewritten.add(rw.candidateId);
      }
      if (opts.sftIncludeWinners) {
        const ranking = rankingOf(rec);
        // Only candidates that beat something; a rewritten winner is replaced by its rewrite.
        if (ranking && ranking.length > 1) {
          for (const id of ranking[0]) {
            const c = rec.candidates.find((x) => x.id === id);
            if (c && !rewritten.has(id)) completions.push({ id, text: c.text });
          }
        }
      }
      for (const c of completions) {
        if (c.text.trim() === '') {
          counts.empty++;
          warn(`record ${rec.id}: ${c.id} is empty; left out`);
          continue;
        }
        if (keep(rec, trlSftRow(prompt, c.text), `completion ${c.id}`)) {
          counts.sft++;
          produced++;
        }
      }
      if (completions.length === 0) {
        warn(`record ${rec.id}: no rewrite${opts.sftIncludeWinners ? ' or winner' : ''} to use as an SFT completion`);
      }
    }
    if (produced === 0) counts.recordsWithoutExamples++;
  }

  function checkPair(rec: PreferenceRecord, p: PreferencePair): boolean {
    if (p.chosen.text.trim() === '' || p.rejected.text.trim() === '') {
      counts.empty++;
      warn(`record ${rec.id}: pair ${p.chosen.candidateId}>${p.rejected.candidateId} has an empty side; left out`);
      return false;
    }
    if (p.chosen.text.trim() === p.rejected.text.trim()) {
      counts.identical++;
      warn(`record ${rec.id}: chosen and rejected are identical (${p.chosen.candidateId} vs ${p.rejected.candidateId}); left out`);
      return false;
    }
    return true;
  }

  const salt = opts.splitSalt ?? '';
  const train: string[] = [];
  const evalRows: string[] = [];
  for (const r of rows) (evalRatio > 0 && splitBucket(r.recordId, salt) < evalRatio ? evalRows : train).push(r.line);
  counts.train = train.length;
  counts.eval = evalRows.length;
  counts.examples = rows.length;

  if (unlisted) warnings.push(`... and ${unlisted} more warnings`);
  if (rows.length === 0) errors.push(`no ${format} examples could be made from ${counts.records} record(s)`);
  else if (train.length === 0) errors.push('every example landed in eval; lower evalRatio');
  else if (evalRatio > 0 && evalRows.length === 0) warnings.push(`evalRatio ${evalRatio} but no record landed in eval (too few records)`);

  const trainText = train.length ? train.join('\n') + '\n' : '';
  const evalText = evalRows.length ? evalRows.join('\n') + '\n' : '';
  return {
    format,
    train: trainText,
    eval: evalText,
    report: { format, counts, warnings, errors },
    hash: datasetHash(format, trainText, evalText),
  };
}

export const TRAIN_FILE = 'train.jsonl';
export const EVAL_FILE = 'eval.jsonl';
export const MANIFEST_FILE = 'manifest.json';

export interface WrittenExport {
  dir: string;
  trainFile: string;
  evalFile?: string;
  manifestFile: string;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * Writes train.jsonl, eval.jsonl (when there is one) and manifest.json into `dir`. Refuses
 * a result with errors. A stale eval.jsonl from an earlier export is removed so the folder
 * always matches the manifest.
 */
export function writeExport(dir: string, result: ExportResult): WrittenExport {
  if (result.report.errors.length) throw new Error(`export has errors, not written: ${result.report.errors.join('; ')}`);
  fs.mkdirSync(dir, { recursive: true });
  const trainFile = path.join(dir, TRAIN_FILE);
  const evalFile = path.join(dir, EVAL_FILE);
  const manifestFile = path.join(dir, MANIFEST_FILE);
  writeAtomic(trainFile, result.train);
  if (result.eval) writeAtomic(evalFile, result.eval);
  else fs.rmSync(evalFile, { force: true });
  const manifest = {
    format: result.format,
    method: FORMAT_METHOD[result.format],
    hash: result.hash,
    files: { train: TRAIN_FILE, ...(result.eval ? { eval: EVAL_FILE } : {}) },
    counts: result.report.counts,
    warnings: result.report.warnings,
  };
  writeAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  return { dir, trainFile, evalFile: result.eval ? evalFile : undefined, manifestFile };
}
