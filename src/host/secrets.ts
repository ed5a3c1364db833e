// API keys live in VS Code's secret storage only: never in settings, logs, files or errors.
import * as vscode from 'vscode';

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

/**
 * "RLHF: Set API Key…". Arguments (provider, key) skip the prompts, for tests and keybindings;
 * an empty key removes the stored one.
 */
export function registerSecrets(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('rlhf.setApiKey', async (providerArg?: unknown, keyArg?: unknown) => {
      let provider = typeof providerArg === 'string' ? providerArg : undefined;
      if (!provider) {
        const items = [...BUILTIN_PROVIDERS, ...sourceProviders()].map((p) => ({ label: p.label, detail: p.detail, id: p.id }));
        provider = (await vscode.window.showQuickPick(items, { title: 'RLHF: Set API Key', placeHolder: 'Which service is this key for?' }))?.id;
        if (!provider) return;
      }
      let key = typeof keyArg === 'string' ? keyArg : undefined;
      if (key === undefined) {
        key = await vscode.window.showInputBox({
          title: `API key for ${provider}`,
          prompt: 'Stored in VS Code secret storage, never in settings. Leave empty to remove the stored key.',
          password: true,
          ignoreFocusOut: true,
        });
        if (key === undefined) return;
      }
      await setApiKey(context, provider, key.trim() || undefined);
      void vscode.window.showInformationMessage(key.trim() ? `RLHF Review: API key for ${provider} saved in secret storage.` : `RLHF Review: API key for ${provider} removed.`);
    }),
  );
}
