// Import of review items from the documented queue JSONL (README "Queue import format"):
//   {"prompt": "...", "context"?: {...}, "candidates": [{"text": "...", "model"?: "..."}], "id"?: "..."}
import * as crypto from 'node:crypto';
import { z } from 'zod';
import { CodeContextSchema, describeZodError, type Origin, type QueueItem } from '../records';

export const ImportLineSchema = z.object({
  id: z.string().min(1).optional(),
  prompt: z.string().min(1, 'prompt must be a non-empty string'),
  context: CodeContextSchema.optional(),
  candidates: z
    .array(z.object({ text: z.string(), model: z.string().optional() }))
    .min(2, 'needs at least 2 candidates'),
});

export interface ImportError {
  line: number;
  error: string;
}

export interface ImportReport {
  items: QueueItem[];
  errors: ImportError[];
  /** Non-blank lines seen. */
  total: number;
}

/** Stable id for an imported line, so importing the same file twice adds nothing new. */
function itemIdFor(text: string): string {
  return 'imp-' + crypto.createHash('sha256').update(text).digest('hex').slice(0, 20);
}

export function importQueueText(text: string, origin: Omit<Origin, 'line'>, now = new Date()): ImportReport {
  const report: ImportReport = { items: [], errors: [], total: 0 };
  const rows = text.split('\n');
  rows.forEach((rawLine, i) => {
    const raw = rawLine.replace(/\r$/, '');
    if (raw.trim() === '') return;
    report.total++;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      report.errors.push({ line: i + 1, error: `not valid JSON (${(e as Error).message})` });
      return;
    }
    const parsed = ImportLineSchema.safeParse(json);
    if (!parsed.success) {
      report.errors.push({ line: i + 1, error: describeZodError(parsed.error) });
      return;
    }
    const d = parsed.data;
    const id = d.id ?? itemIdFor(raw);
    report.items.push({
      id,
      prompt: { instruction: d.prompt, context: d.context },
      candidates: d.candidates.map((c, k) => ({ id: `${id}-c${k}`, text: c.text, model: c.model, source: origin.kind })),
      origin: { ...origin, line: i + 1 },
      createdAt: now.toISOString(),
    });
  });
  return report;
}

export function formatImportReport(r: ImportReport, file: string): string {
  const head = `Imported ${r.items.length} of ${r.total} item(s) from ${file}.`;
  if (r.errors.length === 0) return head;
  const lines = r.errors.slice(0, 20).map((e) => `  line ${e.line}: ${e.error}`);
  const more = r.errors.length > 20 ? [`  … and ${r.errors.length - 20} more`] : [];
  return [head, `Skipped ${r.errors.length} line(s):`, ...lines, ...more].join('\n');
}
