// "RLHF: Compare Responses…" and "RLHF: Compare Two Snippets", plus Continue log import:
// candidates from configured models (streamed into the panel) or from what the user has.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { CandidateSource, GatherEvent, SourceResult } from '../core/generate/types';
import type { CodeContext, Prompt, QueueItem } from '../core/records';
import type { HostContext } from './hostContext';
import { languageModelSources } from './languageModelSource';

// Loaded on first use, not at activation: the HTTP client (axios) is the heaviest module here.
const generation = () => import('../core/generate/index');
const continueImport = () => import('../core/formats/continueImport');
import { getSourceApiKey } from './secrets';

interface GenerationSettings {
  sources: unknown[];
  candidates: number;
  languageModelSelectors: vscode.LanguageModelChatSelector[];
  timeoutMs: number;
  idleTimeoutMs: number;
  retries: number;
}

function settings(): GenerationSettings {
  const c = vscode.workspace.getConfiguration('rlhf.generation');
  return {
    sources: c.get<unknown[]>('sources', []),
    candidates: Math.max(2, c.get<number>('candidates', 2)),
    languageModelSelectors: c.get<vscode.LanguageModelChatSelector[]>('languageModels', []),
    timeoutMs: c.get<number>('timeoutMs', 120_000),
    idleTimeoutMs: c.get<number>('idleTimeoutMs', 30_000),
    retries: c.get<number>('retries', 3),
  };
}

/**
 * Sources from settings, each validated with an error naming the bad field. Keys come from
 * secret storage only: one written into settings is ignored and reported (never its value).
 */
async function configuredSources(host: HostContext, s: GenerationSettings): Promise<{ sources: CandidateSource[]; problems: string[] }> {
  const { OpenAICompatibleSource, parseSourceSettings } = await generation();
  const sources: CandidateSource[] = [];
  const { configs, problems } = parseSourceSettings(Array.isArray(s.sources) ? s.sources : [], {
    timeoutMs: s.timeoutMs,
    idleTimeoutMs: s.idleTimeoutMs,
    retries: s.retries,
  });
  for (const cfg of configs) {
    try {
      const { key: apiKey, problem } = await getSourceApiKey(host.context, cfg.id, cfg.baseUrl);
      if (problem) problems.push(`rlhf.generation.sources ("${cfg.id}"): ${problem}`);
      sources.push(new OpenAICompatibleSource({ ...cfg, apiKey }));
    } catch (e) {
      problems.push(`rlhf.generation.sources ("${cfg.id}"): ${(e as Error).message}`);
    }
  }
  const taken = new Set(sources.map((x) => x.id));
  for (const lm of await languageModelSources(s.languageModelSelectors, { idleTimeoutMs: s.idleTimeoutMs })) {
    if (taken.has(lm.id)) {
      problems.push(`rlhf.generation.languageModels: ${lm.label} has the same id as a configured source ("${lm.id}"); it is skipped`);
      continue;
    }
    taken.add(lm.id);
    sources.push(lm);
  }
  return { sources, problems };
}

/** Problems with some sources while others are usable: say so once, without blocking the run. */
function reportProblems(host: HostContext, problems: string[]): void {
  if (problems.length === 0) return;
  const aboutKey = problems.some((p) => p.includes('RLHF: Set API Key'));
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more in the log)` : '';
  const actions = aboutKey ? ['Set API Key…', 'Show Log'] : ['Open Settings', 'Show Log'];
  void vscode.window.showWarningMessage(`RLHF Review: ${problems[0]}${more}`, ...actions).then((pick) => {
    if (pick === 'Set API Key…') void vscode.commands.executeCommand('rlhf.setApiKey');
    if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'rlhf.generation');
    if (pick === 'Show Log') host.log.show();
  });
}

function gitInfo(cwd: string): Promise<{ repository?: string; commit?: string }> {
  const git = (args: string[]) =>
    new Promise<string | undefined>((resolve) => execFile('git', args, { cwd, timeout: 2000 }, (err, out) => resolve(err ? undefined : out.trim() || undefined)));
  return Promise.all([git(['config', '--get', 'remote.origin.url']), git(['rev-parse', 'HEAD'])]).then(([repository, commit]) => ({ repository, commit }));
}

/** The code context of the active editor: the selection, or the whole file when nothing is selected. */
async function editorContext(editor: vscode.TextEditor | undefined): Promise<CodeContext | undefined> {
  if (!editor) return undefined;
  const doc = editor.document;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const sel = editor.selection;
  const range = sel.isEmpty ? new vscode.Range(0, 0, doc.lineCount - 1, doc.lineAt(doc.lineCount - 1).text.length) : new vscode.Range(sel.start.line, 0, sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line, Number.MAX_SAFE_INTEGER);
  const full = doc.validateRange(range);
  return {
    filePath: folder ? path.relative(folder.uri.fsPath, doc.uri.fsPath) : doc.uri.fsPath,
    language: doc.languageId,
    selection: { startLine: full.start.line, endLine: full.end.line, text: doc.getText(full) },
    ...(folder ? await gitInfo(folder.uri.fsPath) : {}),
  };
}

export function registerGenerate(host: HostContext): void {
  const { context, log, store } = host;
  context.subscriptions.push(
    vscode.commands.registerCommand('rlhf.compareResponses', async (instructionArg?: unknown) => {
      const s = settings();
      const { sources, problems } = await configuredSources(host, s);
      for (const p of problems) log.error(p);
      if (sources.length > 0) reportProblems(host, problems);
      if (sources.length === 0) {
        void vscode.window
          .showErrorMessage(
            problems.length
              ? `RLHF Review: no usable candidate source. ${problems[0]}`
              : 'RLHF Review: no candidate sources are configured. Add an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp, LM Studio, …) to "rlhf.generation.sources", or select VS Code language models in "rlhf.generation.languageModels".',
            'Open Settings',
            'Compare Two Snippets',
          )
          .then((pick) => {
            if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'rlhf.generation');
            if (pick === 'Compare Two Snippets') void vscode.commands.executeCommand('rlhf.compareSnippets');
          });
        return;
      }
      const editor = vscode.window.activeTextEditor;
      const ctx = await editorContext(editor);
      const instruction =
        typeof instructionArg === 'string'
          ? instructionArg
          : await vscode.window.showInputBox({
              title: 'RLHF: Compare Responses',
              prompt: ctx?.filePath ? `What should the model do with ${ctx.selection ? `lines ${ctx.selection.startLine + 1}-${ctx.selection.endLine + 1} of ` : ''}${ctx.filePath}?` : 'What should the model do?',
              placeHolder: 'e.g. Add input validation and a docstring',
              ignoreFocusOut: true,
            });
      if (!instruction?.trim()) return;
      const prompt: Prompt = { instruction: instruction.trim(), context: ctx };
      return generateInto(host, prompt, sources, s.candidates);
    }),

    vscode.commands.registerCommand('rlhf.compareSnippets', async (aArg?: unknown, bArg?: unknown, instructionArg?: unknown) => {
      const a = typeof aArg === 'string' ? aArg : await pickSnippet('A');
      if (a === undefined) return;
      const b = typeof bArg === 'string' ? bArg : await pickSnippet('B');
      if (b === undefined) return;
      if (a === b) {
        void vscode.window.showWarningMessage('RLHF Review: the two snippets are identical; there is nothing to compare.');
        return;
      }
      const editor = vscode.window.activeTextEditor;
      const instruction =
        typeof instructionArg === 'string' ? instructionArg : await vscode.window.showInputBox({ title: 'RLHF: Compare Two Snippets', prompt: 'What were these snippets meant to do? (recorded as the prompt)', value: 'Which snippet is better?', ignoreFocusOut: true });
      if (instruction === undefined) return;
      const id = `snip-${crypto.randomUUID()}`;
      const item: QueueItem = {
        id,
        prompt: { instruction: instruction.trim() || 'Which snippet is better?', context: editor ? { filePath: vscode.workspace.asRelativePath(editor.document.uri), language: editor.document.languageId } : undefined },
        candidates: [
          { id: `${id}-a`, text: a, source: 'snippet' },
          { id: `${id}-b`, text: b, source: 'snippet' },
        ],
        origin: { kind: 'snippets' },
        createdAt: new Date().toISOString(),
      };
      store.addItems([item]);
      host.refresh();
      host.openPanel(item.id);
      return item.id;
    }),

    vscode.commands.registerCommand('rlhf.importContinueLogs', async (uriArg?: unknown) => {
      const fallback = path.join(os.homedir(), '.continue', 'dev_data');
      const target =
        uriArg instanceof vscode.Uri
          ? uriArg
          : (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: true, canSelectMany: false, defaultUri: vscode.Uri.file(fallback), openLabel: 'Import Continue Logs', filters: { 'Continue dev data': ['jsonl'] } }))?.[0];
      if (!target) return;
      const { formatContinueReport, importContinueDevData, impliedPreferenceRecord } = await continueImport();
      let report;
      try {
        report = await importContinueDevData(target.fsPath);
      } catch (e) {
        void vscode.window.showErrorMessage(`RLHF Review: ${(e as Error).message}`);
        return;
      }
      const summary = formatContinueReport(report);
      log.info(summary);
      const snap = store.load();
      const knownItems = new Set(snap.items.map((i) => i.id));
      const knownRecords = new Set(snap.records.map((r) => r.id));
      const impliedFor = new Map(report.implied.map((p) => [p.itemId, p]));
      const fresh = report.items.filter((i) => !knownItems.has(i.id));
      store.addItems(fresh);
      // An accepted or rejected edit already is a judgment: record it, so it needs no review.
      const records = fresh.filter((i) => impliedFor.has(i.id)).map((i) => impliedPreferenceRecord(i, impliedFor.get(i.id)!, { reviewer: 'continue (implicit)' })).filter((r) => !knownRecords.has(r.id));
      store.appendRecords(records);
      host.refresh();
      const msg = `RLHF Review: imported ${fresh.length} item(s) from Continue (${records.length} implied preference(s) recorded, ${fresh.length - records.length} queued for review); ${report.skipped.length} line(s) skipped.`;
      if (report.skipped.length) void vscode.window.showWarningMessage(msg, 'Show Log').then((c) => c && log.show());
      else void vscode.window.showInformationMessage(msg);
      return { items: fresh.length, records: records.length, skipped: report.skipped.length };
    }),
  );
}

async function pickSnippet(which: string): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const selections = editor?.selections.filter((s) => !s.isEmpty) ?? [];
  const options: (vscode.QuickPickItem & { get: () => Promise<string | undefined> })[] = [];
  selections.forEach((s, i) =>
    options.push({ label: `$(selection) Selection ${selections.length > 1 ? i + 1 : ''}`.trim(), detail: editor!.document.getText(s).split('\n')[0].slice(0, 80), get: async () => editor!.document.getText(s) }),
  );
  options.push({ label: '$(clippy) Clipboard', get: async () => vscode.env.clipboard.readText() });
  options.push({
    label: '$(file) A file…',
    get: async () => {
      const f = (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: `Use as snippet ${which}` }))?.[0];
      return f ? new TextDecoder().decode(await vscode.workspace.fs.readFile(f)) : undefined;
    },
  });
  const pick = await vscode.window.showQuickPick(options, { title: `RLHF: Compare Two Snippets — snippet ${which}`, placeHolder: `Where does snippet ${which} come from?` });
  const text = await pick?.get();
  return text?.trim() ? text : undefined;
}

/** Streams candidates from every source into the panel, then queues the item for review. */
async function generateInto(host: HostContext, prompt: Prompt, sources: CandidateSource[], total: number): Promise<string | undefined> {
  const { log, store } = host;
  const { gatherCandidates, queueItemFrom, planSamples } = await generation();
  // Every usable source is asked at least once: more sources than candidates raises the count.
  const plan = planSamples(total, sources.length);
  const active = sources.map((s, i) => ({ source: s, n: plan.perSource[i] }));
  if (plan.raised) log.info(`Asking for ${plan.total} candidates instead of ${total}: one from each of the ${sources.length} sources.`);
  const liveId = `gen-${crypto.randomUUID()}`;
  // Placeholders, one per expected sample, filled in as deltas arrive.
  const live: QueueItem = {
    id: liveId,
    prompt,
    candidates: active.flatMap(({ source, n }) => Array.from({ length: n }, (_, k) => ({ id: `${source.id}#${k}`, text: '', model: source.label, source: source.id }))),
    origin: { kind: 'generate' },
    createdAt: new Date().toISOString(),
  };
  const state: Record<string, { pending?: boolean; error?: string }> = Object.fromEntries(live.candidates.map((c) => [c.id, { pending: true }]));
  const panel = host.openPanel();
  // showLive throttles its own rendering, so every event can call it.
  const render = () => panel.showLive(live, state);
  render();

  const onEvent = (ev: GatherEvent) => {
    if (ev.type === 'delta') {
      const c = live.candidates.find((x) => x.id === `${ev.sourceId}#${ev.index}`);
      if (c) c.text = ev.text;
    } else if (ev.type === 'error') {
      log.error(`Source ${ev.sourceId} failed: ${ev.error.message}`);
      for (const c of live.candidates) if (c.source === ev.sourceId) state[c.id] = { error: ev.error.message };
    } else if (ev.type === 'sampleError') {
      // One sample of several failed (logged with the warning that follows); the others go on.
      const id = `${ev.sourceId}#${ev.index}`;
      if (state[id]) state[id] = { error: ev.error.message };
    } else if (ev.type === 'done') {
      for (const c of live.candidates) if (c.source === ev.sourceId && !state[c.id]?.error) state[c.id] = {};
    } else if (ev.type === 'warning') {
      log.warn(`Source ${ev.sourceId}: ${ev.message}`);
    } else if (ev.type === 'retry') {
      log.info(`Source ${ev.sourceId}: retry ${ev.attempt} in ${ev.delayMs} ms (${ev.reason})`);
    }
    render();
  };

  let cancelled = false;
  const results: SourceResult[] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RLHF: asking ${active.length} source(s) for ${plan.total} candidates`, cancellable: true },
      async (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => {
        cancelled = true;
        abort.abort();
      });
      const per = await Promise.all(active.map(({ source, n }) => gatherCandidates([source], prompt, { n, signal: abort.signal, onEvent })));
      return per.flat();
    },
  );
  if (cancelled) {
    panel.clearLive(liveId);
    log.info('Generation cancelled; nothing was queued.');
    return undefined;
  }
  const failed = results.filter((r) => !r.ok);
  const item = queueItemFrom(prompt, results, { id: liveId, origin: { kind: 'generate' } });
  if (!item) {
    const why = failed.map((r) => `${r.label}: ${r.ok ? '' : r.error.message}`).join('; ');
    void vscode.window.showErrorMessage(`RLHF Review: fewer than 2 candidates arrived, so there is nothing to compare. ${why}`, 'Show Log').then((c) => c && log.show());
    return undefined;
  }
  store.addItems([item]);
  panel.clearLive(liveId);
  host.refresh();
  host.openPanel(item.id);
  if (failed.length) void vscode.window.showWarningMessage(`RLHF Review: ${failed.length} source(s) failed (${failed.map((f) => f.label).join(', ')}); comparing the ${item.candidates.length} candidates that arrived.`);
  log.info(`Queued ${item.id} with ${item.candidates.length} candidates from ${results.filter((r) => r.ok).map((r) => r.label).join(', ')}`);
  return item.id;
}
