// Candidates from the VS Code Language Model API (e.g. Copilot), behind the same interface as
// the HTTP sources. Present only when a provider is installed; VS Code asks the user's consent.
import * as vscode from 'vscode';
import { buildChatMessages } from '../core/generate/prompt';
import { GenerationError, newCandidateId, type CandidateSource, type GenerateOptions, type GenerateRequest, type GeneratedCandidate } from '../core/generate/types';

export class LanguageModelSource implements CandidateSource {
  readonly id: string;
  readonly label: string;

  constructor(private readonly model: vscode.LanguageModelChat) {
    this.id = `lm-${model.vendor}-${model.id}`.replace(/[^\w.-]+/g, '-');
    this.label = `${model.name} (${model.vendor})`;
  }

  async generate(req: GenerateRequest, opts: GenerateOptions = {}): Promise<GeneratedCandidate[]> {
    const n = req.n ?? 1;
    // vscode.lm has no system role: the system text leads the first user message.
    const text = buildChatMessages(req.prompt)
      .map((m) => m.content)
      .join('\n\n');
    const samples = Array.from({ length: n }, (_, i) => this.sample(text, i, opts));
    return Promise.all(samples);
  }

  private async sample(text: string, index: number, opts: GenerateOptions): Promise<GeneratedCandidate> {
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    opts.signal?.addEventListener('abort', onAbort);
    const started = Date.now();
    try {
      const res = await this.model.sendRequest([vscode.LanguageModelChatMessage.User(text)], { justification: 'RLHF Review compares candidate answers for your review.' }, cts.token);
      let out = '';
      for await (const chunk of res.text) {
        out += chunk;
        opts.onDelta?.(index, out);
      }
      return { id: newCandidateId(this.id, index), text: out, model: this.model.id, source: `vscode.lm:${this.model.vendor}`, latencyMs: Date.now() - started };
    } catch (e) {
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
export async function languageModelSources(selectors: vscode.LanguageModelChatSelector[]): Promise<LanguageModelSource[]> {
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
      out.push(new LanguageModelSource(m));
    }
  }
  return out;
}
