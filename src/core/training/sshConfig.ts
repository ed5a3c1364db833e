// Host aliases from an OpenSSH client config, for the "pick a GPU host" list. Only names:
// ssh itself resolves HostName/User/Port/IdentityFile from the same file when it connects.
export interface SshHostEntry {
  alias: string;
  hostName?: string;
  user?: string;
  port?: number;
}

/** Concrete `Host` entries (no wildcards or negations), in file order, first definition wins. */
export function parseSshConfigHosts(text: string): SshHostEntry[] {
  const out = new Map<string, SshHostEntry>();
  let current: SshHostEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    if (key === 'host') {
      current = [];
      for (const name of value.split(/\s+/).map((n) => n.replace(/^"(.*)"$/, '$1'))) {
        if (!name || /[*?!]/.test(name) || name.startsWith('-')) continue;
        const e = out.get(name) ?? { alias: name };
        out.set(name, e);
        current.push(e);
      }
    } else if (key === 'match') {
      current = [];
    } else {
      for (const e of current) {
        if (key === 'hostname' && e.hostName === undefined) e.hostName = value;
        else if (key === 'user' && e.user === undefined) e.user = value;
        else if (key === 'port' && e.port === undefined && /^\d+$/.test(value)) e.port = Number(value);
      }
    }
  }
  return [...out.values()];
}
