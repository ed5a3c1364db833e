// Parses the JSON lines python/rlhf_train.py prints ({"event": ...}); anything else is log text.
import type { RunMetrics } from './types';

export type TrainerEvent =
  | { event: 'start'; [k: string]: unknown }
  | { event: 'log'; step?: number; max_steps?: number; epoch?: number; [k: string]: unknown }
  | { event: 'done'; output_dir?: string; onnx_dir?: string | null; [k: string]: unknown }
  | { event: 'error'; message: string; [k: string]: unknown }
  | { event: 'warning'; message: string; [k: string]: unknown }
  | { event: 'env'; missing: string[]; fix: string | null; [k: string]: unknown };

const KNOWN = new Set(['start', 'log', 'done', 'error', 'warning', 'env']);

export function parseTrainerLine(line: string): TrainerEvent | undefined {
  const t = line.trim();
  if (!t.startsWith('{"event":')) return undefined;
  try {
    const v = JSON.parse(t) as Record<string, unknown>;
    if (typeof v.event !== 'string' || !KNOWN.has(v.event)) return undefined;
    if ((v.event === 'error' || v.event === 'warning') && typeof v.message !== 'string') return undefined;
    if (v.event === 'env' && !Array.isArray(v.missing)) return undefined;
    return v as TrainerEvent;
  } catch {
    return undefined;
  }
}

/** A 'log' event as metrics; percent = step / max_steps. */
export function metricsFromLog(ev: Record<string, unknown>): RunMetrics {
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(ev)) {
    if (k !== 'event' && typeof v === 'number' && Number.isFinite(v)) values[k] = v;
  }
  const m: RunMetrics = { values };
  if (typeof ev.step === 'number') m.step = ev.step;
  if (typeof ev.max_steps === 'number' && ev.max_steps > 0) m.maxSteps = ev.max_steps;
  if (typeof ev.epoch === 'number') m.epoch = ev.epoch;
  if (typeof ev.loss === 'number') m.loss = ev.loss;
  if (m.step !== undefined && m.maxSteps) m.percent = Math.min(100, (100 * m.step) / m.maxSteps);
  return m;
}

/** Splits a byte stream into lines; the partial tail waits for more data. */
export class LineSplitter {
  private buf = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    this.buf += chunk.toString();
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      this.onLine(line);
    }
  }
  end(): void {
    if (this.buf) this.onLine(this.buf);
    this.buf = '';
  }
}

/** Keeps the last N lines for failure messages. */
export class TailBuffer {
  private lines: string[] = [];
  constructor(private readonly max = 20) {}
  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

function fmtNum(n: number): string {
  return Math.abs(n) >= 100 || n === 0 ? String(Math.round(n * 100) / 100) : n.toPrecision(3);
}

/**
 * The accuracy/margin keys each trainer logs, in order of preference: DPO (and KTO) log
 * `rewards/accuracies` / `rewards/margins`; TRL's RewardTrainer logs `accuracy` / `margin`
 * during training; evaluation entries carry the same names with an `eval_` prefix (older
 * RewardTrainers only compute `eval_accuracy`).
 */
const METRIC_KEYS: { label: string; keys: string[] }[] = [
  { label: 'reward acc', keys: ['rewards/accuracies'] },
  { label: 'acc', keys: ['accuracy'] },
  { label: 'margin', keys: ['rewards/margins', 'margin'] },
  { label: 'eval loss', keys: ['eval_loss'] },
  { label: 'eval acc', keys: ['eval_rewards/accuracies', 'eval_accuracy'] },
  { label: 'eval margin', keys: ['eval_rewards/margins', 'eval_margin'] },
];

/**
 * One line for the Runs view: percent, step, loss, then accuracy and margin (and their eval
 * values) for whichever trainer logged them. `short` (the row's description) keeps percent out
 * (the status shows it) and step and loss only.
 */
export function metricsText(m: RunMetrics | undefined, short = false): string | undefined {
  if (!m) return undefined;
  const parts: string[] = [];
  if (m.percent !== undefined && !short) parts.push(`${Math.floor(m.percent)}%`);
  if (m.step !== undefined) parts.push(`step ${m.step}${m.maxSteps ? `/${m.maxSteps}` : ''}`);
  if (m.loss !== undefined) parts.push(`loss ${fmtNum(m.loss)}`);
  if (!short) {
    for (const { label, keys } of METRIC_KEYS) {
      const k = keys.find((key) => m.values?.[key] !== undefined);
      if (k !== undefined) parts.push(`${label} ${fmtNum(m.values![k])}`);
    }
  }
  return parts.length ? parts.join(' · ') : undefined;
}
