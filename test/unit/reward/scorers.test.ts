import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BuiltinScorer, HfScorer, loadScorer, detectModelKind } from '../../../src/core/reward/scorer';
import { writeRewardModel, readRewardMeta, linearRewardOnnx } from '../../../src/core/reward/onnx';
import { FEATURE_DIM, FEATURE_VERSION, featurize } from '../../../src/core/reward/features';
import { scoreLinear, type TrainResult } from '../../../src/core/reward/train';
import { writeTinyHf, referenceLogit, VOCAB, writeTinyChatHf, referenceChatLogit, CHAT_VOCAB } from './tinyHf';

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reward-scorers-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fakeTrained(): TrainResult {
  // Deterministic, non-trivial weights: the ONNX path must agree with the JS dot product.
  const w = new Float32Array(FEATURE_DIM);
  for (let i = 0; i < FEATURE_DIM; i++) w[i] = Math.sin(i * 0.37) * 0.5;
  return {
    weights: w, bias: 0.3, dim: FEATURE_DIM, featureVersion: FEATURE_VERSION, trainPairs: 100, heldOutPairs: 20,
    trainAccuracy: 1, heldOutAccuracy: 0.9, lengthBaselineAccuracy: 0.6, heldOutRecordIds: [], finalLoss: 0.1, trainMs: 1,
    trainedAt: '2024-06-01T00:00:00.000Z',
    calibration: { threshold: -0.25, balancedAccuracy: 0.8, goodKept: 0.8, badFlagged: 0.8, nGood: 20, nBad: 20 },
  };
}

const items = [
  { prompt: 'Write a function that adds two numbers', response: '```python\ndef add(a, b):\n    return a + b\n```', language: 'python' },
  { prompt: { instruction: 'Sort a list', context: { language: 'typescript' } }, response: "I'm sorry, but I can't help with that." },
  { prompt: 'Fix the loop', response: '```go\nfor i := 0; i < n; i++ {\n\t// TODO: implement\n' },
];

describe('built-in scorer', () => {
  test('ONNX export scores exactly like the JS linear model and carries metadata', async () => {
    const dir = path.join(tmp, 'builtin');
    const t = fakeTrained();
    const meta = writeRewardModel(dir, t, 'test-v1');
    expect(readRewardMeta(dir)).toEqual(meta);
    expect(meta.threshold).toBe(-0.25);
    expect(detectModelKind(dir)).toBe('builtin');
    const s = await loadScorer(dir, { batchSize: 2 });
    expect(s.info).toMatchObject({ kind: 'builtin', version: 'test-v1', threshold: -0.25, inputNames: ['features'] });
    const got = await s.score(items);
    const want = items.map((it) => scoreLinear(t, featurize(it.prompt, it.response, it.language)));
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 3));
    expect(await s.score([])).toEqual([]);
    await s.dispose();
    // metadata_props inside the ONNX file itself
    const { onnx } = await import('onnx-proto');
    const m = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'model.onnx')));
    const props = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(props).toMatchObject({ model_version: 'test-v1', feature_dim: String(FEATURE_DIM), threshold: '-0.25', trained_at: t.trainedAt, heldout_accuracy: '0.9' });
  });

  test('corrupt model file, wrong graph and missing folder give clear errors', async () => {
    const dir = path.join(tmp, 'corrupt');
    writeRewardModel(dir, fakeTrained());
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'not a protobuf at all');
    await expect(BuiltinScorer.load(dir)).rejects.toThrow(/model\.onnx: not a loadable ONNX model/);

    const wrongDim = path.join(tmp, 'wrongdim');
    writeRewardModel(wrongDim, fakeTrained());
    const meta = JSON.parse(fs.readFileSync(path.join(wrongDim, 'reward.json'), 'utf8'));
    fs.writeFileSync(path.join(wrongDim, 'reward.json'), JSON.stringify({ ...meta, featureDim: 10 }));
    await expect(BuiltinScorer.load(wrongDim)).rejects.toThrow(/retrain the reward model/);

    const wrongGraph = path.join(tmp, 'wronggraph');
    writeRewardModel(wrongGraph, fakeTrained());
    writeTinyHf(path.join(tmp, 'hf-src'));
    fs.copyFileSync(path.join(tmp, 'hf-src', 'model.onnx'), path.join(wrongGraph, 'model.onnx'));
    await expect(BuiltinScorer.load(wrongGraph)).rejects.toThrow(/expected input "features" and output "logits", found inputs \[input_ids, attention_mask\] and outputs \[logits\]/);

    await expect(loadScorer(path.join(tmp, 'nope'))).rejects.toThrow(/reward model folder not found/);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    await expect(loadScorer(empty)).rejects.toThrow(/no reward model here/);
    fs.writeFileSync(path.join(empty, 'reward.json'), '{"format":"other"}');
    await expect(loadScorer(empty)).rejects.toThrow(/reward\.json: format is "other"/);
  });

  test('linear graph has the documented input/output shapes', () => {
    const bytes = linearRewardOnnx(new Float32Array([1, 2, 3]), 0.5, { model_version: 'x' });
    expect(bytes.length).toBeGreaterThan(20);
  });
});

describe('Hugging Face scorer', () => {
  test('tokenizes prompt/response pairs, pads batches and returns the model logit', async () => {
    const dir = writeTinyHf(path.join(tmp, 'hf'), { tokenTypes: true, maxLength: 16 });
    expect(detectModelKind(dir)).toBe('hf');
    const s = (await loadScorer(dir, { batchSize: 4 })) as HfScorer;
    expect(s.info).toMatchObject({ kind: 'hf', version: 'tiny-reward', maxLength: 16, inputNames: ['input_ids', 'attention_mask', 'token_type_ids'] });
    const batch = [
      { prompt: 'write the function', response: 'good good code' },
      { prompt: 'write the function', response: 'bad' },
      { prompt: 'sort a list', response: 'the function returns a sorted value good' },
    ];
    const enc = batch.map((b) => s.encode(b));
    // [CLS] write the function [SEP] good good code [SEP]
    expect(enc[0].ids.map((i) => VOCAB[i])).toEqual(['[CLS]', 'write', 'the', 'function', '[SEP]', 'good', 'good', 'code', '[SEP]']);
    expect(enc[0].types).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    // "sorted" is out of vocabulary -> sort + [UNK]-free wordpiece or [UNK]; either way the reference uses the same ids
    const got = await s.score(batch);
    enc.forEach((e, i) => expect(got[i]).toBeCloseTo(referenceLogit(e.ids, e.types), 5));
    expect(got[0]).toBeGreaterThan(got[1]);
    // padding in a batch does not change a score
    const alone = await s.score([batch[1]]);
    expect(alone[0]).toBeCloseTo(got[1], 5);
    await s.dispose();
  });

  test('truncates long inputs longest-first to model_max_length, keeping the special tokens', async () => {
    const dir = writeTinyHf(path.join(tmp, 'hf-trunc'), { tokenTypes: true, maxLength: 10 });
    const s = await HfScorer.load(dir);
    const e = s.encode({ prompt: 'write the function', response: Array(40).fill('good').join(' ') });
    expect(e.ids.length).toBe(10);
    expect(e.ids.map((i) => VOCAB[i])).toEqual(['[CLS]', 'write', 'the', 'function', '[SEP]', 'good', 'good', 'good', 'good', '[SEP]']);
    const [score] = await s.score([{ prompt: 'x', response: Array(500).fill('bad code').join(' ') }]);
    expect(Number.isFinite(score)).toBe(true);
    await s.dispose();
  });

  test('works without token_type_ids when the model does not take them', async () => {
    const dir = writeTinyHf(path.join(tmp, 'hf-notypes'), { tokenTypes: false });
    const s = await HfScorer.load(dir);
    expect(s.info.inputNames).toEqual(['input_ids', 'attention_mask']);
    const [a, b] = await s.score([{ prompt: 'q', response: 'good' }, { prompt: 'q', response: 'bad' }]);
    expect(a).toBeGreaterThan(b);
    await s.dispose();
  });

  test('bad folders: missing tokenizer, multi-label output, unexpected inputs, corrupt model', async () => {
    const noTok = writeTinyHf(path.join(tmp, 'hf-notok'));
    fs.rmSync(path.join(noTok, 'tokenizer.json'));
    await expect(loadScorer(noTok)).rejects.toThrow(/no tokenizer\.json found.*optimum-cli export onnx --task text-classification/);

    const two = writeTinyHf(path.join(tmp, 'hf-two'), { labels: 2 });
    const s2 = await HfScorer.load(two);
    await expect(s2.score([{ prompt: 'a', response: 'good' }])).rejects.toThrow(/output "logits" has shape \[1, 2\], expected \[1, 1\].*num_labels=1/);
    await s2.dispose();

    const extra = writeTinyHf(path.join(tmp, 'hf-extra'), { extraInput: 'pixel_values' });
    await expect(HfScorer.load(extra)).rejects.toThrow(/inputs are \[input_ids, attention_mask, pixel_values\].*not pixel_values/);

    const bad = writeTinyHf(path.join(tmp, 'hf-bad'));
    fs.writeFileSync(path.join(bad, 'model.onnx'), Buffer.from([1, 2, 3, 4]));
    await expect(HfScorer.load(bad)).rejects.toThrow(/not a loadable ONNX model/);

    const badTok = writeTinyHf(path.join(tmp, 'hf-badtok'));
    fs.writeFileSync(path.join(badTok, 'tokenizer.json'), '{ broken');
    await expect(HfScorer.load(badTok)).rejects.toThrow(/tokenizer\.json: cannot read the tokenizer/);
  });

  test('a decoder reward model: the chat template frames the exchange, position_ids are fed, config.pad_token_id pads', async () => {
    const dir = writeTinyChatHf(path.join(tmp, 'hf-chat'));
    const s = (await loadScorer(dir, { batchSize: 4 })) as HfScorer;
    expect(s.info).toMatchObject({ kind: 'hf', version: 'tiny-chat-reward', inputFormat: 'chat template', inputNames: ['input_ids', 'attention_mask', 'position_ids'] });
    const words = (ids: number[]) => ids.map((i) => CHAT_VOCAB[i]);
    const batch = [
      { prompt: 'write the function', response: 'good good code' },
      { prompt: 'write the function', response: 'bad' },
      // The selected code goes into the user turn.
      { prompt: { instruction: 'sort a list', context: { language: 'python', selection: { text: 'x\n' } } }, response: 'good' },
    ];
    const enc = batch.map((b) => s.encode(b).ids);
    expect(words(enc[0])).toEqual(['<s>', '<|user|>', 'write', 'the', 'function', '</s>', '<|assistant|>', 'good', 'good', 'code', '</s>']);
    expect(words(enc[2])).toEqual(['<s>', '<|user|>', 'sort', 'a', 'list', '```python', 'x', '```', '</s>', '<|assistant|>', 'good', '</s>']);
    const got = await s.score(batch);
    enc.forEach((ids, i) => expect(got[i]).toBeCloseTo(referenceChatLogit(ids), 4));
    expect(got[0]).toBeGreaterThan(got[1]);
    const [alone] = await s.score([batch[1]]);
    expect(alone).toBeCloseTo(got[1], 4);
    await s.dispose();
  });

  test('a long exchange is cut longest-first and the template rendered again, so its closing tokens stay', async () => {
    const dir = writeTinyChatHf(path.join(tmp, 'hf-chat-trunc'), { maxLength: 12 });
    const s = await HfScorer.load(dir);
    const ids = s.encode({ prompt: 'write the function', response: Array(40).fill('good').join(' ') }).ids;
    expect(ids.map((i) => CHAT_VOCAB[i])).toEqual(['<s>', '<|user|>', 'write', 'the', 'function', '</s>', '<|assistant|>', 'good', 'good', 'good', 'good', '</s>']);
    await s.dispose();
  });

  test('a chat template that does not parse, or a cache-expecting export, is refused with what to do', async () => {
    const broken = writeTinyChatHf(path.join(tmp, 'hf-chat-broken'), { template: '{% for m in messages %}{{ m.content }' });
    await expect(HfScorer.load(broken)).rejects.toThrow(/tokenizer_config\.json: chat_template does not parse/);
    const past = writeTinyChatHf(path.join(tmp, 'hf-chat-past'), { extraInput: 'past_key_values.0.key' });
    await expect(HfScorer.load(past)).rejects.toThrow(/not past_key_values\.0\.key \(this export expects a key\/value cache: export with --task text-classification, without past\)/);
  });

  test('max length falls back from tokenizer_config to config to 512', () => {
    expect(HfScorer.maxLength({ model_max_length: 128 }, {})).toBe(128);
    expect(HfScorer.maxLength({ model_max_length: 1e30 }, { max_position_embeddings: 514 })).toBe(514);
    expect(HfScorer.maxLength({}, {})).toBe(512);
  });
});

test('the shipped default model loads with the current features and flags a refusal below a good answer', async () => {
  const dir = path.join(__dirname, '../../../media/reward/default');
  const s = await loadScorer(dir);
  expect(s.info.kind).toBe('builtin');
  const prompt = { instruction: 'Write a function that adds two numbers', context: { language: 'python' } };
  const [good, refusal] = await s.score([
    { prompt, response: '```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```' },
    { prompt, response: "I'm sorry, but I can't help with that request." },
  ]);
  expect(good).toBeGreaterThan(refusal);
  expect(refusal).toBeLessThan(s.info.threshold!);
  await s.dispose();
});

test('on the bundled sample queue the shipped model flags the defective answers and none of the good ones', async () => {
  const root = path.join(__dirname, '../../..');
  const s = await loadScorer(path.join(root, 'media/reward/default'));
  const queue = fs.readFileSync(path.join(root, 'media/sample-queue.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const rows: Array<{ id: string; model: string; text: string }> = [];
  for (const it of queue) for (const c of it.candidates) rows.push({ id: it.id, model: c.model, text: c.text });
  const scores = await s.score(queue.flatMap((it) => it.candidates.map((c: { text: string }) => ({ prompt: { instruction: it.prompt, context: it.context }, response: c.text }))));
  await s.dispose();
  const flagged = rows.filter((_, i) => scores[i] < s.info.threshold!).map((r) => `${r.id}/${r.model}`).sort();
  // A "rest of the implementation here" stub, SQL built by concatenation, prose with no code, a refusal.
  expect(flagged).toEqual(['sample-js-fetch-retry/chat-3b', 'sample-sql-injection/coder-1b', 'sample-three-way/coder-1b', 'sample-ts-debounce/coder-1b']);
});
