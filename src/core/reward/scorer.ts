// Reward scorers behind one interface: the built-in linear model (JS features + ONNX) and a
// Hugging Face text-classification export (tokenizer.json + model.onnx with one logit).
// These run session.run on the calling thread: the extension uses them through WorkerScorer.
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { FEATURE_DIM, FEATURE_VERSION, featurize, type PromptLike } from './features';
import { META_FILE, MODEL_FILE, TOKENIZER_FILE, detectModelKind, readRewardMeta } from './meta';

export { TOKENIZER_FILE, detectModelKind };

export interface ScorerInfo {
  kind: 'builtin' | 'hf';
  version: string;
  /** Responses below this score are flagged (built-in models; HF exports carry none). */
  threshold?: number;
  dir: string;
  heldOutAccuracy?: number;
  maxLength?: number;
  inputNames: string[];
  /** HF exports: prompt and response as a tokenizer text pair, or rendered by the model's chat template. */
  inputFormat?: 'text pair' | 'chat template';
}

export interface ScoreInput {
  prompt: string | PromptLike;
  response: string;
  language?: string;
}

export interface RewardScorer {
  readonly info: ScorerInfo;
  score(items: ScoreInput[]): Promise<number[]>;
  dispose(): Promise<void>;
}

const DEFAULT_BATCH = 256;

async function openSession(file: string): Promise<ort.InferenceSession> {
  if (!fs.existsSync(file)) throw new Error(`${file}: model file not found; the model folder must contain ${MODEL_FILE}`);
  try {
    return await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  } catch (e) {
    throw new Error(`${file}: not a loadable ONNX model (${firstLine((e as Error).message)}); re-export it (built-in: retrain; Hugging Face: optimum-cli export onnx --task text-classification)`);
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 300);
}

function logitsOf(out: ort.InferenceSession.OnnxValueMapType, name: string, n: number, file: string): number[] {
  const t = out[name] as ort.Tensor;
  const dims = t.dims;
  if (dims.length !== 2 || dims[0] !== n || dims[1] !== 1) {
    throw new Error(`${file}: output "${name}" has shape [${dims.join(', ')}], expected [${n}, 1]: a reward model must give one logit per input (export with num_labels=1)`);
  }
  return Array.from(t.data as Float32Array, Number);
}

/** The built-in linear model: featurise in JS, score with onnxruntime. */
export class BuiltinScorer implements RewardScorer {
  private constructor(readonly info: ScorerInfo, private session: ort.InferenceSession, private file: string, private batch: number) {}

  static async load(dir: string, batchSize = DEFAULT_BATCH): Promise<BuiltinScorer> {
    const meta = readRewardMeta(dir);
    if (meta.featureVersion !== FEATURE_VERSION || meta.featureDim !== FEATURE_DIM) {
      throw new Error(`${path.join(dir, META_FILE)}: model was trained on features ${meta.featureVersion} (dim ${meta.featureDim}) but this version computes ${FEATURE_VERSION} (dim ${FEATURE_DIM}); retrain the reward model`);
    }
    const file = path.join(dir, MODEL_FILE);
    const session = await openSession(file);
    if (!session.inputNames.includes('features') || !session.outputNames.includes('logits')) {
      await session.release();
      throw new Error(`${file}: expected input "features" and output "logits", found inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; this is not a built-in reward model (a Hugging Face export needs ${TOKENIZER_FILE} beside it)`);
    }
    return new BuiltinScorer(
      { kind: 'builtin', version: meta.modelVersion, threshold: meta.threshold, dir, heldOutAccuracy: meta.heldOutAccuracy, inputNames: session.inputNames.slice() },
      session, file, batchSize,
    );
  }

  async score(items: ScoreInput[]): Promise<number[]> {
    const out: number[] = [];
    for (let s = 0; s < items.length; s += this.batch) {
      const chunk = items.slice(s, s + this.batch);
      const x = new Float32Array(chunk.length * FEATURE_DIM);
      chunk.forEach((it, i) => x.set(featurize(it.prompt, it.response, it.language), i * FEATURE_DIM));
      const res = await this.session.run({ features: new ort.Tensor('float32', x, [chunk.length, FEATURE_DIM]) });
      out.push(...logitsOf(res, 'logits', chunk.length, this.file));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

type TokenizerLib = typeof import('@huggingface/tokenizers');
type Tok = InstanceType<TokenizerLib['Tokenizer']>;

// position_ids: decoder (Llama, Qwen, ...) exports take them; they count 0.. along each row.
const HF_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids'];

/** tokenizer_config.json's chat_template: one string, or named templates (the "default" one). */
export function chatTemplateOf(tokCfg: Record<string, unknown>): string | undefined {
  const t = tokCfg.chat_template;
  if (typeof t === 'string') return t.trim() ? t : undefined;
  if (Array.isArray(t)) {
    const named = t as Array<{ name?: unknown; template?: unknown }>;
    const d = named.find((x) => x?.name === 'default') ?? named[0];
    return typeof d?.template === 'string' ? d.template : undefined;
  }
  return undefined;
}

/** A special token as tokenizer_config.json writes it: a string or an AddedToken object. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/** The user turn: the instruction, and the selected code it is about. */
export function promptText(p: string | PromptLike): string {
  if (typeof p === 'string') return p;
  const sel = p.context?.selection?.text;
  return sel ? `${p.instruction}\n\n\`\`\`${p.context?.language ?? ''}\n${sel.replace(/\n$/, '')}\n\`\`\`` : p.instruction;
}

/** Longest-first cut of two lengths by `over` tokens: the longer side down to the shorter, then both alike. */
export function longestFirst(la: number, lb: number, over: number): [number, number] {
  if (over <= 0) return [la, lb];
  const first = Math.min(Math.abs(la - lb), over);
  if (la > lb) la -= first; else lb -= first;
  const rest = over - first;
  return [Math.max(0, la - Math.ceil(rest / 2)), Math.max(0, lb - Math.floor(rest / 2))];
}

type RenderChat = (prompt: string, response: string) => string;

function readJson(file: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read ${what} (${firstLine((e as Error).message)})`);
  }
}

/** A Hugging Face sequence-classification export with a single logit (optimum-cli layout). */
export class HfScorer implements RewardScorer {
  private specials = 0;
  private constructor(
    readonly info: ScorerInfo,
    private session: ort.InferenceSession,
    private tok: Tok,
    private padId: number,
    private unkId: number,
    private file: string,
    private output: string,
    private batch: number,
    private chat: RenderChat | undefined,
  ) {
    // Special tokens the post-processor adds around a pair, so truncation leaves room for them.
    const a = tok.tokenize('a'), b = tok.tokenize('b');
    this.specials = Math.max(0, this.encodeTokens(a, b).tokens.length - a.length - b.length);
  }

  /** Renders the model's chat template (a user turn, then the assistant's answer) with @huggingface/jinja. */
  private static async chatRenderer(src: string, tokCfg: Record<string, unknown>, cfgFile: string): Promise<RenderChat> {
    const { Template } = await import('@huggingface/jinja');
    let tpl: InstanceType<typeof Template>;
    try {
      tpl = new Template(src);
    } catch (e) {
      throw new Error(`${cfgFile}: chat_template does not parse (${firstLine((e as Error).message)})`);
    }
    const vars: Record<string, unknown> = { add_generation_prompt: false };
    for (const k of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) vars[k] = tokenText(tokCfg[k]) ?? '';
    const render: RenderChat = (prompt, response) =>
      tpl.render({ ...vars, messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: response }] });
    try {
      render('ping', 'pong');
    } catch (e) {
      throw new Error(`${cfgFile}: chat_template fails on a user/assistant exchange (${firstLine((e as Error).message)})`);
    }
    return render;
  }

  static async load(dir: string, batchSize = 32): Promise<HfScorer> {
    const tokFile = path.join(dir, TOKENIZER_FILE);
    if (!fs.existsSync(tokFile)) {
      throw new Error(`${dir}: no ${TOKENIZER_FILE} found; a Hugging Face reward model folder needs ${MODEL_FILE} and ${TOKENIZER_FILE} (as written by optimum-cli export onnx --task text-classification), a built-in one needs ${META_FILE}`);
    }
    const tokJson = readJson(tokFile, 'the tokenizer');
    const cfgFile = path.join(dir, 'tokenizer_config.json');
    const tokCfg = fs.existsSync(cfgFile) ? readJson(cfgFile, 'the tokenizer config') : {};
    const modelCfgFile = path.join(dir, 'config.json');
    const modelCfg = fs.existsSync(modelCfgFile) ? readJson(modelCfgFile, 'the model config') : {};
    // Stays a runtime import in bundles: the package is ESM-first.
    const lib: TokenizerLib = await import('@huggingface/tokenizers');
    let tok: Tok;
    try {
      tok = new lib.Tokenizer(tokJson, tokCfg);
    } catch (e) {
      throw new Error(`${tokFile}: tokenizer not supported (${firstLine((e as Error).message)})`);
    }
    const file = path.join(dir, MODEL_FILE);
    const session = await openSession(file);
    const unexpected = session.inputNames.filter((n) => !HF_INPUTS.includes(n));
    if (!session.inputNames.includes('input_ids') || unexpected.length) {
      await session.release();
      const past = unexpected.some((n) => n.startsWith('past_key_values')) ? ' (this export expects a key/value cache: export with --task text-classification, without past)' : '';
      throw new Error(`${file}: inputs are [${session.inputNames.join(', ')}]; a text-classification reward model must take input_ids (and optionally attention_mask, token_type_ids, position_ids)${unexpected.length ? `, not ${unexpected.join(', ')}` : ''}${past}`);
    }
    if (session.outputNames.length !== 1 && !session.outputNames.includes('logits')) {
      await session.release();
      throw new Error(`${file}: outputs are [${session.outputNames.join(', ')}]; expected a single "logits" output`);
    }
    const output = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    const maxLen = HfScorer.maxLength(tokCfg, modelCfg);
    // A chat template means a decoder reward model: it reads the score at the last token
    // before the first config.pad_token_id, so rows are right-padded with exactly that id.
    const template = chatTemplateOf(tokCfg);
    let chat: RenderChat | undefined;
    try {
      chat = template === undefined ? undefined : await HfScorer.chatRenderer(template, tokCfg, cfgFile);
    } catch (e) {
      await session.release();
      throw e;
    }
    const padding = tokJson.padding as { pad_id?: number } | null | undefined;
    const padTok = tokenText(tokCfg.pad_token);
    const cfgPad = typeof modelCfg.pad_token_id === 'number' ? modelCfg.pad_token_id : undefined;
    const padId = (chat ? cfgPad : undefined) ?? padding?.pad_id ?? (padTok !== undefined ? tok.token_to_id(padTok) : undefined) ?? cfgPad ?? 0;
    const unkTok = typeof tokCfg.unk_token === 'string' ? tokCfg.unk_token : ((tokJson.model as { unk_token?: string })?.unk_token ?? '[UNK]');
    const unkId = tok.token_to_id(unkTok) ?? 0;
    const version = typeof modelCfg._name_or_path === 'string' && modelCfg._name_or_path ? modelCfg._name_or_path : path.basename(dir);
    return new HfScorer(
      { kind: 'hf', version, dir, maxLength: maxLen, inputNames: session.inputNames.slice(), inputFormat: chat ? 'chat template' : 'text pair' },
      session, tok, padId, unkId, file, output, batchSize, chat,
    );
  }

  /** model_max_length from tokenizer_config.json (ignoring HF's "unlimited" sentinel), else config, else 512. */
  static maxLength(tokCfg: Record<string, unknown>, modelCfg: Record<string, unknown>): number {
    const t = tokCfg.model_max_length;
    if (typeof t === 'number' && t > 0 && t < 1e6) return Math.floor(t);
    const m = modelCfg.max_position_embeddings;
    if (typeof m === 'number' && m > 0) return Math.floor(m);
    return 512;
  }

  private encodeTokens(a: string[], b: string[]): { tokens: string[]; types: number[] } {
    const pp = this.tok.post_processor;
    if (!pp) return { tokens: [...a, ...b], types: new Array(a.length + b.length).fill(0) };
    const r = pp.post_process(a, b, true);
    return { tokens: r.tokens, types: r.token_type_ids ?? new Array(r.tokens.length).fill(0) };
  }

  /** Prompt and response as the model reads them, truncated longest-first to max length. */
  encode(item: ScoreInput): { ids: number[]; types: number[] } {
    if (this.chat) {
      const ids = this.encodeChat(promptText(item.prompt), item.response, this.chat);
      return { ids, types: new Array(ids.length).fill(0) };
    }
    let a = this.tok.tokenize(promptText(item.prompt));
    let b = this.tok.tokenize(item.response);
    const budget = Math.max(2, (this.info.maxLength ?? 512) - this.specials);
    const [la, lb] = longestFirst(a.length, b.length, a.length + b.length - budget);
    a = a.slice(0, la);
    b = b.slice(0, lb);
    const { tokens, types } = this.encodeTokens(a, b);
    const ids = tokens.map((t) => this.tok.token_to_id(t) ?? this.unkId);
    return { ids, types };
  }

  /**
   * The rendered conversation's ids (the template adds its own special tokens). Too long:
   * prompt and response are cut longest-first in tokens and the template rendered again.
   */
  private encodeChat(prompt: string, response: string, render: RenderChat): number[] {
    const max = this.info.maxLength ?? 512;
    const ids = (text: string) => this.tok.encode(text, { add_special_tokens: false }).ids;
    let out = ids(render(prompt, response));
    if (out.length <= max) return out;
    const a = ids(prompt), b = ids(response);
    const overhead = Math.max(0, out.length - a.length - b.length);
    let budget = Math.max(2, max - overhead);
    for (let attempt = 0; attempt < 4 && out.length > max; attempt++) {
      const [la, lb] = longestFirst(a.length, b.length, a.length + b.length - budget);
      const text = (x: number[]) => this.tok.decode(x, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
      out = ids(render(text(a.slice(0, la)), text(b.slice(0, lb))));
      budget -= Math.max(1, out.length - max); // decoding and re-tokenising can shift a few tokens
    }
    return out.length > max ? out.slice(0, max) : out;
  }

  async score(items: ScoreInput[]): Promise<number[]> {
    const out: number[] = [];
    const names = this.session.inputNames;
    for (let s = 0; s < items.length; s += this.batch) {
      const chunk = items.slice(s, s + this.batch);
      const enc = chunk.map((it) => this.encode(it));
      const T = Math.max(1, ...enc.map((e) => e.ids.length));
      const n = chunk.length;
      const ids = new BigInt64Array(n * T).fill(BigInt(this.padId));
      const mask = new BigInt64Array(n * T);
      const types = new BigInt64Array(n * T);
      enc.forEach((e, i) => {
        for (let k = 0; k < e.ids.length; k++) {
          ids[i * T + k] = BigInt(e.ids[k]);
          mask[i * T + k] = 1n;
          types[i * T + k] = BigInt(e.types[k] ?? 0);
        }
      });
      const feeds: Record<string, ort.Tensor> = {};
      const positions = new BigInt64Array(n * T);
      for (let i = 0; i < n; i++) for (let k = 0; k < T; k++) positions[i * T + k] = BigInt(k);
      const all: Record<string, BigInt64Array> = { input_ids: ids, attention_mask: mask, token_type_ids: types, position_ids: positions };
      for (const name of names) feeds[name] = new ort.Tensor('int64', all[name], [n, T]);
      let res: ort.InferenceSession.OnnxValueMapType;
      try {
        res = await this.session.run(feeds);
      } catch (e) {
        throw new Error(`${this.file}: inference failed (${firstLine((e as Error).message)}); the model must take int64 input_ids/attention_mask[/token_type_ids/position_ids] of shape [batch, sequence]`);
      }
      out.push(...logitsOf(res, this.output, n, this.file));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export async function loadScorer(dir: string, opts: { batchSize?: number } = {}): Promise<RewardScorer> {
  return detectModelKind(dir) === 'builtin' ? BuiltinScorer.load(dir, opts.batchSize) : HfScorer.load(dir, opts.batchSize);
}
