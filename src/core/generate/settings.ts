// `rlhf.generation.sources` entries -> validated source configs. Credentials never come from
// settings: an `apiKey` or a credential-looking header there is dropped (its value is never
// echoed) and reported with what to do instead, "RLHF: Set API Key…".
import { isCredentialHeader, parseOpenAICompatibleConfig, type OpenAICompatibleConfig } from './openaiCompatible';

/** Defaults from the top-level `rlhf.generation.*` settings, overridden per source. */
export type SourceDefaults = Pick<OpenAICompatibleConfig, 'timeoutMs' | 'idleTimeoutMs' | 'retries'>;

export interface ParsedSourceSettings {
  /** Usable configs, in settings order, without any credential (add the secret-storage key). */
  configs: OpenAICompatibleConfig[];
  /** One line per problem, each naming the setting entry; never containing a credential value. */
  problems: string[];
}

const SETTING = 'rlhf.generation.sources';

/** The secret-storage provider id that holds a source's key ("RLHF: Set API Key…"). */
export function sourceKeyProvider(id: string): string {
  return `source:${id}`;
}

export function parseSourceSettings(raws: readonly unknown[], defaults: SourceDefaults = {}): ParsedSourceSettings {
  const configs: OpenAICompatibleConfig[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  raws.forEach((raw, i) => {
    const where = `${SETTING}[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where}: expected an object like {"id", "baseUrl", "model"}`);
      return;
    }
    const entry = { ...(raw as Record<string, unknown>) };
    const name = typeof entry.id === 'string' && entry.id ? entry.id : undefined;
    const who = name ? `${where} ("${name}")` : where;

    const dropped: string[] = [];
    if ('apiKey' in entry) {
      if (entry.apiKey !== undefined && entry.apiKey !== '') dropped.push('"apiKey"');
      delete entry.apiKey;
    }
    if (entry.headers && typeof entry.headers === 'object' && !Array.isArray(entry.headers)) {
      const headers: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry.headers as Record<string, unknown>)) {
        if (isCredentialHeader(k)) dropped.push(`header "${k}"`);
        else headers[k] = v;
      }
      entry.headers = headers;
    }
    if (dropped.length > 0) {
      const provider = name ? ` for "${sourceKeyProvider(name)}"` : '';
      problems.push(
        `${who}: ${dropped.join(' and ')} ignored: API keys are not read from settings. ` +
          `Run "RLHF: Set API Key…"${provider} to keep the key in secret storage, then remove it from settings.json.`,
      );
    }

    let cfg: OpenAICompatibleConfig;
    try {
      cfg = parseOpenAICompatibleConfig({ ...defaults, ...entry });
    } catch (e) {
      problems.push(`${who}: ${(e as Error).message}`);
      return;
    }
    const other = seen.get(cfg.id);
    if (other !== undefined) {
      problems.push(`${who}: the id "${cfg.id}" is already used by ${SETTING}[${other}]; this source is skipped (give each source its own id)`);
      return;
    }
    seen.set(cfg.id, i);
    configs.push(cfg);
  });
  return { configs, problems };
}
