// rlhf.generation.sources -> source configs: credentials are never taken from settings, and
// what is dropped is reported by name (never by value).
import { describe, expect, it } from 'vitest';
import { parseSourceSettings, sourceKeyProvider } from '../../../src/core/generate';

const KEY = 'sk-settings-LEAK-1234567890';

describe('parseSourceSettings', () => {
  it('applies the top-level defaults under per-source values', () => {
    const { configs, problems } = parseSourceSettings(
      [
        { id: 'a', baseUrl: 'http://localhost:11434/v1', model: 'qwen' },
        { id: 'b', baseUrl: 'http://localhost:8000/v1', model: 'llama', retries: 0, idleTimeoutMs: 5000 },
      ],
      { timeoutMs: 60_000, idleTimeoutMs: 30_000, retries: 3 },
    );
    expect(problems).toEqual([]);
    expect(configs.map((c) => [c.id, c.timeoutMs, c.idleTimeoutMs, c.retries])).toEqual([
      ['a', 60_000, 30_000, 3],
      ['b', 60_000, 5000, 0],
    ]);
  });

  it('ignores an apiKey in settings and tells the user to run "RLHF: Set API Key…", without echoing the key', () => {
    const { configs, problems } = parseSourceSettings([{ id: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o', apiKey: KEY }]);
    expect(configs).toHaveLength(1); // the source still runs, with the key from secret storage (if any)
    expect(configs[0].apiKey).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rlhf\.generation\.sources\[0\] \("openai"\): "apiKey" ignored: API keys are not read from settings/);
    expect(problems[0]).toContain('Run "RLHF: Set API Key…" for "source:openai"');
    expect(JSON.stringify({ configs, problems })).not.toContain(KEY);
    expect(sourceKeyProvider('openai')).toBe('source:openai');
  });

  it('drops credential headers (Authorization, api-key, x-api-key, …) but keeps the others', () => {
    const { configs, problems } = parseSourceSettings([
      {
        id: 'proxy',
        baseUrl: 'https://llm.example.com/v1',
        model: 'm',
        headers: { Authorization: `Bearer ${KEY}`, 'api-key': KEY, 'X-API-Key': KEY, 'X-Auth-Token': KEY, 'OpenAI-Organization': 'org-1', 'X-Title': 'rlhf' },
      },
    ]);
    expect(configs[0].headers).toEqual({ 'OpenAI-Organization': 'org-1', 'X-Title': 'rlhf' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/header "Authorization" and header "api-key" and header "X-API-Key" and header "X-Auth-Token" ignored/);
    expect(problems[0]).toMatch(/RLHF: Set API Key…/);
    expect(JSON.stringify({ configs, problems })).not.toContain(KEY);
  });

  it('an empty apiKey is not a problem; a key on an invalid entry is still not echoed', () => {
    expect(parseSourceSettings([{ id: 'a', baseUrl: 'http://h/v1', model: 'm', apiKey: '' }]).problems).toEqual([]);
    const r = parseSourceSettings([{ id: 'x', baseUrl: 'localhost:1234', model: 'm', apiKey: KEY }]);
    expect(r.configs).toEqual([]);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[1]).toMatch(/rlhf\.generation\.sources\[0\] \("x"\): .*baseUrl must be an http\(s\) URL/);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('names bad entries and duplicate ids instead of dropping them silently', () => {
    const { configs, problems } = parseSourceSettings([
      'http://localhost:11434/v1',
      { id: 'a', baseUrl: 'http://h/v1', model: 'm' },
      { id: 'a', baseUrl: 'http://h/v1', model: 'n' },
      { baseUrl: 'http://h/v1', model: 'm' },
    ]);
    expect(configs.map((c) => c.model)).toEqual(['m']);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^rlhf\.generation\.sources\[0\]: expected an object/);
    expect(problems[1]).toMatch(/^rlhf\.generation\.sources\[2\] \("a"\): the id "a" is already used by rlhf\.generation\.sources\[1\]/);
    expect(problems[2]).toMatch(/^rlhf\.generation\.sources\[3\]: .*id/);
  });
});
