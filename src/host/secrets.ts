// API keys live in VS Code's secret storage only: never in settings, logs, files or errors.
// Shared by every feature that calls a remote API (generation sources, fine-tuning runs).
import * as vscode from 'vscode';
import type { HostContext } from './hostContext';

export const BUILTIN_PROVIDERS = [
  { id: 'together', label: 'Together AI', detail: 'Fine-tuning runs (the default managed target)' },
  { id: 'openai', label: 'OpenAI', detail: 'Fine-tuning (DPO) and OpenAI-compatible candidate sources' },
] as const;

const secretKey = (provider: string) => `rlhf.apiKey.${provider}`;

export async function getApiKey(context: vscode.ExtensionContext, provider: string): Promise<string | undefined> {
  return (await context.secrets.get(secretKey(provider))) || undefined;
}

export async function setApiKey(context: vscode.ExtensionContext, provider: string, key: string | undefined): Promise<void> {
  if (key) await context.secrets.store(secretKey(provider), key);
  else await context.secrets.delete(secretKey(provider));
}

/** Candidate sources from settings, offered as providers so each can have its own key. */
function sourceProviders(): { id: string; label: string; detail: string }[] {
  const sources = vscode.workspace.getConfiguration('rlhf').get<{ id?: string; label?: string; baseUrl?: string }[]>('generation.sources', []);
  return sources
    .filter((s) => typeof s?.id === 'string' && s.id)
    .map((s) => ({ id: `source:${s.id}`, label: s.label ?? s.id!, detail: `Candidate source ${s.id} (${s.baseUrl ?? 'no base URL'})` }));
}

function providerLabel(provider: string): string {
  return BUILTIN_PROVIDERS.find((p) => p.id === provider)?.label ?? provider;
}

/**
 * Asks for a key (password box) and stores it; a quick pick of providers first when none is
 * given. Returns the provider, or undefined when the user cancelled.
 */
export async function promptForApiKey(context: vscode.ExtensionContext, providerArg?: string, keyArg?: string): Promise<string | undefined> {
  let provider = providerArg;
  if (!provider) {
    const items = [...BUILTIN_PROVIDERS, ...sourceProviders()].map((p) => ({ label: p.label, detail: p.detail, id: p.id }));
    provider = (await vscode.window.showQuickPick(items, { title: 'RLHF: Set API Key', placeHolder: 'Which service is this key for?' }))?.id;
    if (!provider) return undefined;
  }
  let key = keyArg;
  if (key === undefined) {
    key = await vscode.window.showInputBox({
      title: `API key for ${providerLabel(provider)}`,
      prompt: 'Stored in VS Code secret storage, never in settings. Leave empty to remove the stored key.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return undefined;
  }
  await setApiKey(context, provider, key.trim() || undefined);
  void vscode.window.showInformationMessage(
    key.trim() ? `RLHF Review: API key for ${providerLabel(provider)} saved in secret storage.` : `RLHF Review: API key for ${providerLabel(provider)} removed.`,
  );
  return provider;
}

/**
 * "RLHF: Set API Key…". Arguments (provider, key) skip the prompts, for tests and keybindings;
 * an empty key removes the stored one.
 */
export function registerSecrets(host: HostContext): void {
  host.context.subscriptions.push(
    vscode.commands.registerCommand('rlhf.setApiKey', async (providerArg?: unknown, keyArg?: unknown) => {
      await promptForApiKey(host.context, typeof providerArg === 'string' ? providerArg : undefined, typeof keyArg === 'string' ? keyArg : undefined);
    }),
  );
}
