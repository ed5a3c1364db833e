// Continue dev-data import from real files laid out like ~/.continue/dev_data/<version>/.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatContinueReport,
  impliedPreferenceRecord,
  importContinueDevData,
  parseContinueChatInteractions,
  parseContinueEditOutcomes,
} from '../../../src/core/formats/continueImport';
import { QueueItemSchema } from '../../../src/core/records';
import { pairsOf } from '../../../src/core/pairs';

// Base values Continue's DataLogger adds to every 0.2.0 line.
const base = (eventName: string) => ({
  eventName,
  schema: '0.2.0',
  timestamp: '2025-03-01T10:00:00.000Z',
  userId: '',
  userAgent: 'Visual Studio Code/1.99.0 (Continue/1.0.0)',
  selectedProfileId: 'local',
});

const edit = (over: object) =>
  JSON.stringify({
    ...base('editOutcome'),
    modelProvider: 'ollama',
    modelName: 'qwen2.5-coder',
    modelTitle: 'Qwen Coder',
    prompt: 'Add a null check',
    completion: '```ts\nif (!x) return;\n```',
    previousCode: 'use(x);\n',
    newCode: 'if (!x) return;\nuse(x);\n',
    previousCodeLines: 1,
    newCodeLines: 2,
    lineChange: 1,
    accepted: true,
    filepath: 'file:///home/me/proj/src/a.ts',
    ...over,
  });

const chat = (over: object) =>
  JSON.stringify({
    ...base('chatInteraction'),
    modelProvider: 'openai',
    modelName: 'gpt-4o',
    modelTitle: 'GPT-4o',
    prompt: '<user>\nhow do I reverse a list?',
    completion: 'Use reversed().',
    sessionId: 's1',
    ...over,
  });

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'continue-devdata-'));
  const v = path.join(dir, 'dev_data', '0.2.0');
  await fs.mkdir(v, { recursive: true });
  await fs.writeFile(
    path.join(v, 'editOutcome.jsonl'),
    [
      edit({}),
      edit({ accepted: false, newCode: 'delete everything', timestamp: '2025-03-01T11:00:00.000Z' }),
      '{"prompt": "half a line',
      edit({ newCode: 'use(x);\n' }),
      JSON.stringify({ ...base('editOutcome'), prompt: 'x', previousCode: 'a' }),
      '',
    ].join('\n'),
  );
  await fs.writeFile(
    path.join(v, 'chatInteraction.jsonl'),
    [
      chat({}),
      chat({ completion: 'Call list.reverse() in place, or slice with [::-1].', modelName: 'llama3' }),
      chat({ completion: 'Use reversed().', sessionId: 's2' }),
      chat({ prompt: 'a lonely prompt', completion: 'a lonely answer' }),
      chat({ completion: '' }),
    ].join('\n') + '\n',
  );
  await fs.writeFile(path.join(v, 'autocomplete.jsonl'), '{"ignored": true}\n');
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('Continue dev-data import', () => {
  it('turns accepted and rejected edits into items with the implied winner', async () => {
    const text = await fs.readFile(path.join(dir, 'dev_data', '0.2.0', 'editOutcome.jsonl'), 'utf8');
    const r = parseContinueEditOutcomes(text, 'editOutcome.jsonl', new Date('2025-04-01T00:00:00Z'));
    expect(r.items).toHaveLength(2);
    expect(r.taken).toBe(2);
    for (const it of r.items) expect(QueueItemSchema.safeParse(it).success).toBe(true);

    const [acc, rej] = r.items;
    expect(acc.prompt).toEqual({ instruction: 'Add a null check', context: { filePath: '/home/me/proj/src/a.ts', language: 'typescript' } });
    expect(acc.candidates.map((c) => c.text)).toEqual(['if (!x) return;\nuse(x);\n', 'use(x);\n']);
    expect(acc.candidates[0].model).toBe('qwen2.5-coder');
    expect(acc.origin).toEqual({ kind: 'import', file: 'editOutcome.jsonl', line: 1 });
    expect(r.implied[0]).toEqual({ itemId: acc.id, winner: acc.candidates[0].id, loser: acc.candidates[1].id, basis: 'accepted', at: '2025-03-01T10:00:00.000Z' });
    expect(r.implied[1]).toMatchObject({ itemId: rej.id, winner: rej.candidates[1].id, basis: 'rejected' });

    expect(r.skipped.map((s) => [s.line, s.reason])).toEqual([
      [3, expect.stringMatching(/not valid JSON/)],
      [4, expect.stringMatching(/identical/)],
      [5, expect.stringMatching(/newCode.*(expected|Invalid)|accepted/)],
    ]);
    expect(r.skipped.every((s) => s.file === 'editOutcome.jsonl')).toBe(true);

    // The implied judgment is a valid store record whose pair says new code beats old code.
    const rec = impliedPreferenceRecord(acc, r.implied[0]);
    expect(rec.judgment.judgedAt).toBe('2025-03-01T10:00:00.000Z');
    const pairs = pairsOf(rec);
    expect(pairs).toHaveLength(1);
    expect(JSON.stringify(pairs[0])).toContain(acc.candidates[0].id);
    expect(() => impliedPreferenceRecord(rej, r.implied[0])).toThrow(/not/);
  });

  it('groups chat interactions with several different responses to the same prompt', () => {
    return fs.readFile(path.join(dir, 'dev_data', '0.2.0', 'chatInteraction.jsonl'), 'utf8').then((text) => {
      const r = parseContinueChatInteractions(text, 'chat.jsonl');
      expect(r.items).toHaveLength(1);
      const item = r.items[0];
      expect(item.prompt.instruction).toBe('<user>\nhow do I reverse a list?');
      expect(item.candidates.map((c) => [c.text, c.model])).toEqual([
        ['Use reversed().', 'gpt-4o'],
        ['Call list.reverse() in place, or slice with [::-1].', 'llama3'],
      ]);
      expect(r.implied).toEqual([]);
      expect(r.taken).toBe(2);
      expect(r.skipped.map((s) => [s.line, s.reason]).sort()).toEqual(
        [
          [3, 'same response as line 1'],
          [4, 'only one response to this prompt (a comparison needs two)'],
          [5, 'completion is empty'],
        ].sort(),
      );
    });
  });

  it('reads the dev_data folder, a version folder or one file, with stable ids across re-imports', async () => {
    const all = await importContinueDevData(path.join(dir, 'dev_data'));
    expect(all.items).toHaveLength(3);
    expect(all.implied).toHaveLength(2);
    expect(all.taken).toBe(4);
    expect(all.skipped).toHaveLength(6);
    expect(all.skipped[0].file).toBe(path.join(dir, 'dev_data', '0.2.0', 'editOutcome.jsonl'));
    const again = await importContinueDevData(path.join(dir, 'dev_data', '0.2.0'));
    expect(again.items.map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    const one = await importContinueDevData(path.join(dir, 'dev_data', '0.2.0', 'chatInteraction.jsonl'));
    expect(one.items).toHaveLength(1);
    expect(formatContinueReport(all)).toMatch(/3 item\(s\) from 4 log line\(s\); 2 implied.*\n.*Skipped 6/);
  });

  it('names lines logged at the "noCode" level instead of a schema error', () => {
    const noCode = JSON.stringify({ ...base('editOutcome'), modelName: 'qwen2.5-coder', previousCodeLines: 1, newCodeLines: 2, lineChange: 1, accepted: true });
    const noPrompt = JSON.stringify({ ...base('chatInteraction'), modelName: 'qwen2.5-coder', completion: 'ok', sessionId: 's' });
    const r = parseContinueEditOutcomes([edit({}), noCode].join('\n') + '\n', 'editOutcome.jsonl');
    expect(r.items).toHaveLength(1);
    expect(r.skipped).toEqual([{ file: 'editOutcome.jsonl', line: 2, reason: 'logged without prompt, previousCode, newCode (Continue\'s "noCode" data level): nothing to review' }]);
    const c = parseContinueChatInteractions(noPrompt + '\n', 'chatInteraction.jsonl');
    expect(c.skipped[0].reason).toMatch(/^logged without prompt \(Continue's "noCode" data level\)/);
    // A line missing only some fields is still a plain schema error.
    const partial = parseContinueEditOutcomes(JSON.stringify({ ...JSON.parse(edit({})), newCode: undefined }) + '\n', 'e.jsonl');
    expect(partial.skipped[0].reason).toMatch(/newCode/);
    expect(partial.skipped[0].reason).not.toMatch(/noCode/);
  });

  it('says clearly when there is nothing to import', async () => {
    await expect(importContinueDevData(path.join(dir, 'nope'))).rejects.toThrow(/does not exist/);
    await expect(importContinueDevData(path.join(dir, 'dev_data', '0.2.0', 'autocomplete.jsonl'))).rejects.toThrow(
      /not a Continue dev data file/,
    );
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'continue-empty-'));
    await expect(importContinueDevData(empty)).rejects.toThrow(/no editOutcome.jsonl or chatInteraction.jsonl/);
    await fs.rm(empty, { recursive: true });
  });
});
