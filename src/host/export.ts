// "RLHF: Export Preferences…": format → code or no code → folder → validation report → write.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activeRecords } from '../core/pairs';
import { EXPORT_FORMATS, FORMAT_LABELS, FORMAT_METHOD, exportDataset, formatExportReport, writeExport, type ExportFormat, type ExportResult, type WrittenExport } from '../core/formats';
import type { HostContext } from './hostContext';

const FORMAT_DETAIL: Record<ExportFormat, string> = {
  'trl-preference': '{prompt, chosen, rejected} strings — TRL DPOTrainer, RewardTrainer, ORPO',
  'trl-conversational': '{prompt, chosen, rejected} as chat messages — TRL with a chat template',
  'trl-kto': '{prompt, completion, label} — TRL KTOTrainer (keeps "both bad" judgments)',
  'trl-sft': '{prompt, completion} from rewrites — TRL SFTTrainer',
  'openai-dpo': '{input, preferred_output, non_preferred_output} — OpenAI, Together, Fireworks fine-tuning',
  hh: '{chosen, rejected} "\\n\\nHuman: … \\n\\nAssistant: …" — Anthropic HH-RLHF style',
};

export interface ExportSettings {
  noCode: boolean;
  evalRatio: number;
}

export function readExportSettings(): ExportSettings {
  const c = vscode.workspace.getConfiguration('rlhf.export');
  const ratio = c.get<number>('evalRatio', 0.1);
  return { noCode: c.get<boolean>('noCode', false), evalRatio: Number.isFinite(ratio) && ratio >= 0 && ratio < 1 ? ratio : 0.1 };
}

/** The active (not retracted) records of the store as an export in `format`. */
export function buildExport(host: HostContext, format: ExportFormat, opts: { noCode: boolean; evalRatio: number }): ExportResult {
  const snap = host.store.load();
  return exportDataset(activeRecords(snap.records, snap.retractions), { format, noCode: opts.noCode, evalRatio: opts.evalRatio });
}

/** Arguments for scripts and tests: any field given skips its prompt. */
interface ExportArgs {
  format?: ExportFormat;
  noCode?: boolean;
  folder?: string;
  evalRatio?: number;
}

export interface ExportCommandResult extends WrittenExport {
  hash: string;
  format: ExportFormat;
  report: ExportResult['report'];
}

async function pickFormat(): Promise<ExportFormat | undefined> {
  type Item = vscode.QuickPickItem & { format: ExportFormat };
  const items: Item[] = EXPORT_FORMATS.map((f) => ({ label: FORMAT_LABELS[f], description: `${f} · ${FORMAT_METHOD[f].toUpperCase()}`, detail: FORMAT_DETAIL[f], format: f }));
  const pick = await vscode.window.showQuickPick(items, { title: 'RLHF: Export Preferences (1/3) — format', placeHolder: 'Training data format', matchOnDescription: true, matchOnDetail: true });
  return pick?.format;
}

async function pickNoCode(defaultNoCode: boolean): Promise<boolean | undefined> {
  const withCode = { label: 'Include code context', detail: 'Prompts carry the file path, language and selected code', noCode: false };
  const noCode = { label: 'No code', detail: 'Prompts keep only the instruction: file contents, selections and paths are dropped', noCode: true };
  const pick = await vscode.window.showQuickPick(defaultNoCode ? [noCode, withCode] : [withCode, noCode], { title: 'RLHF: Export Preferences (2/3) — code in prompts' });
  return pick?.noCode;
}

async function pickFolder(host: HostContext, format: ExportFormat): Promise<string | undefined> {
  const def = path.join(host.storeDir, 'exports', format);
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const shown = ws && def.startsWith(ws + path.sep) ? path.relative(ws, def) : def;
  const pick = await vscode.window.showQuickPick(
    [
      { label: `$(folder) ${shown}`, description: 'default', dir: def },
      { label: '$(folder-opened) Choose a folder…', dir: undefined },
    ],
    { title: 'RLHF: Export Preferences (3/3) — folder' },
  );
  if (!pick) return undefined;
  if (pick.dir) return pick.dir;
  const uri = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export Here', defaultUri: vscode.Uri.file(path.dirname(def)) });
  return uri?.[0]?.fsPath;
}

async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(dir);
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

export function registerExport(host: HostContext): void {
  host.context.subscriptions.push(
    vscode.commands.registerCommand('rlhf.exportPreferences', async (args?: ExportArgs): Promise<ExportCommandResult | undefined> => {
      const a: ExportArgs = args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {};
      const interactive = a.folder === undefined;
      const settings = readExportSettings();
      const format = a.format ?? (await pickFormat());
      if (!format) return undefined;
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new Error(`unknown export format "${format}" (expected one of ${EXPORT_FORMATS.join(', ')})`);
      const noCode = a.noCode ?? (await pickNoCode(settings.noCode));
      if (noCode === undefined) return undefined;
      const folder = a.folder ?? (await pickFolder(host, format));
      if (!folder) return undefined;
      const result = buildExport(host, format, { noCode, evalRatio: a.evalRatio ?? settings.evalRatio });
      const reportText = formatExportReport(result.report);
      host.log.info(`Export ${format}${noCode ? ' (no code)' : ''} to ${folder}:\n${formatExportReport(result.report, 1000)}`);
      if (result.report.errors.length) {
        const msg = `RLHF: nothing exported — ${result.report.errors.join('; ')}`;
        if (interactive) void vscode.window.showErrorMessage(msg, { modal: true, detail: reportText });
        else throw new Error(msg);
        return undefined;
      }
      if (interactive) {
        const ok = await vscode.window.showInformationMessage(
          `Export ${result.report.counts.examples} example(s) as ${FORMAT_LABELS[format]}${noCode ? ' without code' : ''}?`,
          { modal: true, detail: `${reportText}\n\nFolder: ${folder}` },
          'Write Export',
        );
        if (ok !== 'Write Export') return undefined;
      }
      const written = writeExport(folder, result);
      const c = result.report.counts;
      const done = `RLHF: exported ${c.examples} example(s) (${c.train} train, ${c.eval} eval) to ${folder}. Dataset hash ${result.hash.slice(0, 12)}.`;
      host.log.info(done);
      void vscode.window.showInformationMessage(done, 'Open Folder').then((choice) => choice && revealFolder(folder));
      return { ...written, hash: result.hash, format, report: result.report };
    }),
  );
}
