// A tiny real Hugging Face-style reward model folder: a BERT-like WordPiece tokenizer.json and
// an ONNX graph taking int64 input_ids/attention_mask[/token_type_ids] that mean-pools token
// embeddings over the mask and projects to one logit (or to `labels` logits, to test errors).
import * as fs from 'fs';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import { encodeModel, tensor, valueInfo } from '../../../src/core/reward/onnx';

export const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
export const WORDS = ['good', 'bad', 'code', 'the', 'function', 'returns', 'a', 'value', 'todo', 'implement', 'error', 'write', 'sort', 'list', '##s', '##ing'];
export const VOCAB = [...SPECIALS, ...WORDS];
export const HIDDEN = 3;

/** Deterministic embedding row of token id v. */
export function embeddingRow(v: number): number[] {
  const w = VOCAB[v];
  return [w === 'good' ? 2 : w === 'bad' ? -2 : (v % 5) * 0.1, (v % 3) - 1, v * 0.01];
}
export const TYPE_ROWS = [[0, 0, 0], [0.5, 0, 0]];
export const W_OUT = [1, 0.25, -0.5];
export const B_OUT = 0.125;

export interface TinyOpts { tokenTypes?: boolean; labels?: number; extraInput?: string; maxLength?: number }

export function tinyModel(opts: TinyOpts = {}): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const I = onnx.TensorProto.DataType.INT64;
  const labels = opts.labels ?? 1;
  const E = new Float32Array(VOCAB.flatMap((_, v) => embeddingRow(v)));
  const W = new Float32Array(HIDDEN * labels);
  for (let h = 0; h < HIDDEN; h++) for (let l = 0; l < labels; l++) W[h * labels + l] = W_OUT[h] * (l + 1);
  const nodes: onnx.INodeProto[] = [{ opType: 'Gather', input: ['E', 'input_ids'], output: ['emb'] }];
  let embOut = 'emb';
  const inits = [tensor('E', [VOCAB.length, HIDDEN], E), tensor('W', [HIDDEN, labels], W), tensor('Bo', [labels], new Array(labels).fill(B_OUT)), tensor('ax2', [1], [2], I), tensor('ax1', [1], [1], I)];
  const inputs = [valueInfo('input_ids', I, ['batch', 'seq']), valueInfo('attention_mask', I, ['batch', 'seq'])];
  if (opts.tokenTypes) {
    inputs.push(valueInfo('token_type_ids', I, ['batch', 'seq']));
    inits.push(tensor('TE', [2, HIDDEN], new Float32Array(TYPE_ROWS.flat())));
    nodes.push({ opType: 'Gather', input: ['TE', 'token_type_ids'], output: ['temb'] }, { opType: 'Add', input: ['emb', 'temb'], output: ['emb2'] });
    embOut = 'emb2';
  }
  if (opts.extraInput) inputs.push(valueInfo(opts.extraInput, I, ['batch', 'seq']));
  nodes.push(
    { opType: 'Cast', input: ['attention_mask'], output: ['maskf'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: F }] },
    { opType: 'Unsqueeze', input: ['maskf', 'ax2'], output: ['mask3'] },
    { opType: 'Mul', input: [embOut, 'mask3'], output: ['masked'] },
    { opType: 'ReduceSum', input: ['masked', 'ax1'], output: ['sum'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
    { opType: 'ReduceSum', input: ['mask3', 'ax1'], output: ['cnt'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
    { opType: 'Div', input: ['sum', 'cnt'], output: ['mean'] },
    { opType: 'MatMul', input: ['mean', 'W'], output: ['proj'] },
    { opType: 'Add', input: ['proj', 'Bo'], output: ['logits'] },
  );
  if (opts.extraInput) {
    // consume the extra input so it is a real graph input
    nodes.push({ opType: 'Cast', input: [opts.extraInput], output: ['unused'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: F }] });
  }
  const outputs = [valueInfo('logits', F, ['batch', labels])];
  if (opts.extraInput) outputs.push(valueInfo('unused', F, ['batch', 'seq']));
  return encodeModel({ name: 'tiny_cls', node: nodes, initializer: inits, input: inputs, output: outputs });
}

export function tinyTokenizerJson(tokenTypes = true): object {
  const added = SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const sp = (id: string, type_id: number) => ({ SpecialToken: { id, type_id } });
  const seq = (id: string, type_id: number) => ({ Sequence: { id, type_id } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [sp('[CLS]', 0), seq('A', 0), sp('[SEP]', 0)],
      pair: [sp('[CLS]', 0), seq('A', 0), sp('[SEP]', 0), seq('B', tokenTypes ? 1 : 0), sp('[SEP]', tokenTypes ? 1 : 0)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])) },
  };
}

/** Writes an optimum-style folder: model.onnx, tokenizer.json, tokenizer_config.json, config.json. */
export function writeTinyHf(dir: string, opts: TinyOpts = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.onnx'), tinyModel(opts));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(opts.tokenTypes ?? true)));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: opts.maxLength ?? 16, pad_token: '[PAD]', unk_token: '[UNK]', do_lower_case: true }));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ _name_or_path: 'tiny-reward', num_labels: opts.labels ?? 1, max_position_embeddings: 64 }));
  return dir;
}

/** Reference logit computed in JS from the same weights, for checking the ONNX path. */
export function referenceLogit(ids: number[], types: number[]): number {
  const sum = [0, 0, 0];
  ids.forEach((id, k) => {
    const e = embeddingRow(id);
    const t = TYPE_ROWS[types[k] ?? 0];
    for (let h = 0; h < HIDDEN; h++) sum[h] += e[h] + t[h];
  });
  return sum.reduce((acc, s, h) => acc + (s / ids.length) * W_OUT[h], B_OUT);
}

// A tiny decoder-style reward model: a word-level tokenizer with chat special tokens, a chat
// template in tokenizer_config.json, and a graph over input_ids/attention_mask/position_ids:
// logit = Σ over tokens that are not config.pad_token_id of (CHAT_EMB[id] + POS_W · position).
// Like a decoder classification head, it finds the sequence by the pad id, not the mask.
export const CHAT_SPECIALS = ['<pad>', '<unk>', '<s>', '</s>', '<|user|>', '<|assistant|>'];
export const CHAT_WORDS = ['good', 'bad', 'code', 'write', 'the', 'function', 'sort', 'a', 'list', '```', '```python', 'x'];
export const CHAT_VOCAB = [...CHAT_SPECIALS, ...CHAT_WORDS];
export const CHAT_PAD = 0;
export const POS_W = 0.01;
export const CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ '<|' + m['role'] + '|>' }} {{ m['content'] }} {{ eos_token }} {% endfor %}";

export function chatEmbedding(v: number): number {
  const w = CHAT_VOCAB[v];
  return w === 'good' ? 2 : w === 'bad' ? -2 : w === '<|assistant|>' ? 5 : v * 0.1;
}

export function tinyChatModel(extraInput?: string): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const I = onnx.TensorProto.DataType.INT64;
  const cast = (input: string, output: string): onnx.INodeProto => ({ opType: 'Cast', input: [input], output: [output], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: F }] });
  const inputs = [valueInfo('input_ids', I, ['batch', 'seq']), valueInfo('attention_mask', I, ['batch', 'seq']), valueInfo('position_ids', I, ['batch', 'seq'])];
  const nodes: onnx.INodeProto[] = [
    { opType: 'Gather', input: ['E', 'input_ids'], output: ['emb'] },
    cast('position_ids', 'posf'),
    { opType: 'Mul', input: ['posf', 'pw'], output: ['pos'] },
    { opType: 'Add', input: ['emb', 'pos'], output: ['tok'] },
    { opType: 'Equal', input: ['input_ids', 'padId'], output: ['isPad'] },
    { opType: 'Not', input: ['isPad'], output: ['notPad'] },
    cast('notPad', 'maskf'),
    { opType: 'Mul', input: ['tok', 'maskf'], output: ['masked'] },
    { opType: 'ReduceSum', input: ['masked', 'ax1'], output: ['sum'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
    // attention_mask is a real input the graph consumes, without changing the score
    cast('attention_mask', 'amf'),
    { opType: 'ReduceSum', input: ['amf', 'ax1'], output: ['amSum'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
    { opType: 'Mul', input: ['amSum', 'zero'], output: ['amZero'] },
    { opType: 'Add', input: ['sum', 'amZero'], output: ['logits'] },
  ];
  const outputs = [valueInfo('logits', F, ['batch', 1])];
  if (extraInput) {
    inputs.push(valueInfo(extraInput, F, ['batch', 'seq']));
    nodes.push({ opType: 'Identity', input: [extraInput], output: ['unused'] });
    outputs.push(valueInfo('unused', F, ['batch', 'seq']));
  }
  const inits = [tensor('E', [CHAT_VOCAB.length], new Float32Array(CHAT_VOCAB.map((_, v) => chatEmbedding(v)))), tensor('pw', [1], [POS_W]), tensor('ax1', [1], [1], I), tensor('padId', [], [CHAT_PAD], I), tensor('zero', [1], [0])];
  return encodeModel({ name: 'tiny_chat_rm', node: nodes, initializer: inits, input: inputs, output: outputs });
}

export function writeTinyChatHf(dir: string, opts: { maxLength?: number; template?: string; extraInput?: string } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.onnx'), tinyChatModel(opts.extraInput));
  const added = CHAT_SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', unk_token: '<unk>', vocab: Object.fromEntries(CHAT_VOCAB.map((t, i) => [t, i])) },
  }));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({
    model_max_length: opts.maxLength ?? 64, bos_token: '<s>', eos_token: { content: '</s>', special: true }, pad_token: '</s>', unk_token: '<unk>',
    chat_template: opts.template ?? CHAT_TEMPLATE,
  }));
  // The graph compares against config.pad_token_id; the tokenizer's pad token differs on purpose.
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ _name_or_path: 'tiny-chat-reward', num_labels: 1, pad_token_id: CHAT_PAD }));
  return dir;
}

/** Reference logit of a row of ids, computed in JS from the same weights. */
export function referenceChatLogit(ids: number[]): number {
  return ids.reduce((acc, id, k) => acc + chatEmbedding(id) + POS_W * k, 0);
}
