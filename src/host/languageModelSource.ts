// Candidates from the VS Code Language Model API (e.g. Copilot), behind the same interface as
// the HTTP sources. Present only when a provider is installed; VS Code asks the user's consent.
import * as vscode from 'vscode';
import { buildChatMessages } from '../core/generate/prompt';
import { runSamples } from '../core/generate/samples';
import { GenerationError, newCandidateId, type CandidateSource, type GenerateOptions, type GenerateRequest, type GeneratedCandidate } from '../core/generate/types';
import { IdleTimeoutError, fmtMs, withIdleTimeout } from '../core/generate/util';

export interface LanguageModelSourceOptions {
  /**
   * A response that sends no text for this long is cut off (default 30 s), as for the HTTP
   * sources (`rlhf.generation.idleTimeoutMs`). The clock starts once `sendRequest` has answered,
   * so the consent dialog VS Code may show first is never timed.
   */
  idleTimeoutMs?: number;
}

export class LanguageModelSource implements CandidateSource {
  readonly id: string;
  readonly label: string;
  private readonly idleTimeoutMs: number;

  constructor(
    private readonly model: vscode.LanguageModelChat,
    opts: LanguageModelSourceOptions = {},
  ) {
    this.id = `lm-${model.vendor}-${model.id}`.replace(/[^\w.-]+/g, '-');
    this.label = `${model.name} (${model.vendor})`;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  }

  async generate(req: GenerateRequest, opts: GenerateOptions = {}): Promise<GeneratedCandidate[]> {
    const n = req.n ?? 1;
    // vscode.lm has no system role: the system text leads the first user message.
    const text = buildChatMessages(req.prompt)
      .map((m) => m.content)
      .join('\n\n');
    // Each sample on its own: one that fails is reported (its own column) while the others arrive.
    const indexes = Array.from({ length: n }, (_, i) => i);
    return runSamples(indexes, async (i) => [await this.sample(text, i, opts)], {
      sourceId: this.id,
      signal: opts.signal,
      onWarning: opts.onWarning,
      onSampleError: opts.onSampleError,
    });
  }

  private async sample(text: string, index: number, opts: GenerateOptions): Promise<GeneratedCandidate> {
    if (opts.signal?.aborted) throw new GenerationError('cancelled', { kind: 'aborted', sourceId: this.id });
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    opts.signal?.addEventListener('abort', onAbort);
    const started = Date.now();
    try {
      const res = await this.model.sendRequest([vscode.LanguageModelChatMessage.User(text)], { justification: 'RLHF Review compares candidate answers for your review.' }, cts.token);
      let out = '';
      for await (const chunk of withIdleTimeout(res.text, this.idleTimeoutMs, () => cts.cancel())) {
        out += chunk;
        opts.onDelta?.(index, out);
      }
      return { id: newCandidateId(this.id, index), text: out, model: this.model.id, source: `vscode.lm:${this.model.vendor}`, latencyMs: Date.now() - started };
    } catch (e) {
      if (e instanceof IdleTimeoutError) {
        throw new GenerationError(`${this.label}: the response stalled: no data for ${fmtMs(e.idleMs)} (idle timeout); it was cut off`, { kind: 'idle', sourceId: this.id });
      }
      const aborted = opts.signal?.aborted;
      const msg = e instanceof Error ? e.message : String(e);
      throw new GenerationError(aborted ? 'cancelled' : `${this.label}: ${msg}`, {
        kind: aborted ? 'aborted' : e instanceof vscode.LanguageModelError ? 'unavailable' : 'other',
        sourceId: this.id,
      });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }
}

/** Language models matching the configured selectors; none (and no error) without a provider. */
export async function languageModelSources(selectors: vscode.LanguageModelChatSelector[], opts: LanguageModelSourceOptions = {}): Promise<LanguageModelSource[]> {
  if (!vscode.lm || selectors.length === 0) return [];
  const seen = new Set<string>();
  const out: LanguageModelSource[] = [];
  for (const sel of selectors) {
    let models: vscode.LanguageModelChat[] = [];
    try {
      models = await vscode.lm.selectChatModels(sel);
    } catch {
      models = [];
    }
    for (const m of models) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      out.push(new LanguageModelSource(m, opts));
    }
  }
  return out;
}
