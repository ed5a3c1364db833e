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
  if (!key) return context.secrets.delete(secretKey(provider));
  if (!provider.startsWith(SOURCE_PREFIX)) return context.secrets.store(secretKey(provider), key);
  // A source's key is bound to the server it was given for: a workspace that later points the
  // same source id at another URL must not receive it.
  const id = provider.slice(SOURCE_PREFIX.length);
  const src = configuredSourceList().find((x) => x.id === id);
  const origin = originOf(src?.baseUrl);
  if (!origin) throw new Error(`no candidate source "${id}" with a valid baseUrl in rlhf.generation.sources, so there is nothing to bind its key to`);
  await context.secrets.store(secretKey(provider), JSON.stringify({ key, origin }));
}

const SOURCE_PREFIX = 'source:';

function originOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key of a candidate source, only when the source still points at the server the key was
 * saved for; otherwise a problem saying so (never the key).
 */
export async function getSourceApiKey(context: vscode.ExtensionContext, id: string, baseUrl: string): Promise<{ key?: string; problem?: string }> {
  const raw = await context.secrets.get(secretKey(SOURCE_PREFIX + id));
  if (!raw) return {};
  let saved: { key?: unknown; origin?: unknown };
  try {
    saved = JSON.parse(raw) as typeof saved;
  } catch {
    saved = {};
  }
  if (typeof saved.key !== 'string' || typeof saved.origin !== 'string') {
    return { problem: `the stored key of source "${id}" is not bound to a server; run "RLHF: Set API Key…" for "${SOURCE_PREFIX}${id}" again` };
  }
  if (saved.origin !== originOf(baseUrl)) {
    return { problem: `the key of source "${id}" was saved for ${saved.origin}, but the source now points at ${originOf(baseUrl) ?? baseUrl}; it is not sent. If you trust the new server, run "RLHF: Set API Key…" for "${SOURCE_PREFIX}${id}" again` };
  }
  return { key: saved.key };
}

function configuredSourceList(): { id?: string; label?: string; baseUrl?: string }[] {
  const v = vscode.workspace.getConfiguration('rlhf').get<unknown>('generation.sources', []);
  return Array.isArray(v) ? (v as { id?: string; label?: string; baseUrl?: string }[]) : [];
}

/** Candidate sources from settings, offered as providers so each can have its own key. */
function sourceProviders(): { id: string; label: string; detail: string }[] {
  return configuredSourceList()
    .filter((s) => typeof s?.id === 'string' && s.id)
    .map((s) => ({ id: `${SOURCE_PREFIX}${s.id}`, label: s.label ?? s.id!, detail: `Candidate source ${s.id}: the key is sent only to ${originOf(s.baseUrl) ?? 'its base URL'}` }));
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
  try {
    await setApiKey(context, provider, key.trim() || undefined);
  } catch (e) {
    void vscode.window.showErrorMessage(`RLHF Review: ${(e as Error).message}.`);
    return undefined;
  }
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
