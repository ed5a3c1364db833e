// Features of a code-assistant answer, scored together with its prompt. Pure TS, no I/O.
// Layout: [named code-quality signals][hashed n-grams]. Prompt-only n-grams are left out on
// purpose: they are identical on both sides of a pair and cancel in a linear pairwise model;
// the prompt enters through overlap, language and length-relative features instead.

export const FEATURE_VERSION = 'rr-features-3';
export const HASH_BITS = 12;
export const HASH_DIM = 1 << HASH_BITS;

export interface PromptLike {
  instruction: string;
  context?: { language?: string; selection?: { text: string }; fileContent?: string; filePath?: string };
}

export interface ScoreItem {
  prompt: string | PromptLike;
  response: string;
  /** Overrides prompt.context.language (a VS Code language id). */
  language?: string;
}

type Family = 'python' | 'js' | 'go' | 'rust' | 'sql' | 'java' | 'c' | 'shell' | 'csharp' | 'ruby' | 'php';

const LANG_FAMILY: Record<string, Family> = {
  python: 'python', py: 'python', python3: 'python',
  typescript: 'js', javascript: 'js', typescriptreact: 'js', javascriptreact: 'js', ts: 'js', js: 'js', tsx: 'js', jsx: 'js', node: 'js',
  go: 'go', golang: 'go',
  rust: 'rust', rs: 'rust',
  sql: 'sql', postgres: 'sql', postgresql: 'sql', mysql: 'sql', sqlite: 'sql', plsql: 'sql',
  java: 'java', kotlin: 'java',
  c: 'c', cpp: 'c', 'c++': 'c', h: 'c', hpp: 'c',
  csharp: 'csharp', cs: 'csharp',
  shellscript: 'shell', bash: 'shell', sh: 'shell', shell: 'shell', zsh: 'shell',
  ruby: 'ruby', rb: 'ruby', php: 'php',
};

export function languageFamily(id: string | undefined): Family | undefined {
  return id ? LANG_FAMILY[id.toLowerCase()] : undefined;
}

// Keyword evidence per language, used when a code block carries no (or a wrong) fence tag.
const LANG_HINTS: Array<[Family, RegExp[]]> = [
  ['python', [/^\s*def \w+\(.*\)\s*(->[^:]+)?:\s*$/m, /^\s*(from \w[\w.]* )?import \w+/m, /\belif\b/, /\bself\b/, /\bNone\b/, /^\s*(if|for|while|with|try)\b.*:\s*$/m, /\bprint\(/]],
  ['js', [/\bconst \w+\s*=/, /\blet \w+\s*=/, /=>/, /\bfunction\b/, /\bconsole\.log\(/, /\binterface \w+/, /:\s*(string|number|boolean)\b/, /\bawait\b/, /\brequire\(|\bimport .* from ['"]/]],
  ['go', [/^\s*func\b/m, /:=/, /^\s*package \w+/m, /err != nil/, /\bfmt\.\w+/, /\[\]\w+/]],
  ['rust', [/\bfn \w+/, /\blet mut\b/, /->/, /\bimpl\b/, /::/, /\w+!\(/, /&str\b|&\[/, /\bOption<|\bResult</]],
  ['sql', [/\bSELECT\b/, /\bFROM\b/, /\bWHERE\b/, /\bJOIN\b/, /\bINSERT INTO\b/, /\bCREATE TABLE\b/, /\bGROUP BY\b|\bORDER BY\b/]],
  ['java', [/\bpublic (static )?(class|void)\b/, /System\.out\./, /\bprivate final\b/, /^\s*import java(x)?\.\w/m, /\b(public|private|protected) (static )?(final )?(String|int|long|boolean|void|byte\[\])\b/, /\bthrows \w+/, /@Override\b/, /\bfinal class\b/]],
  ['csharp', [/^\s*using System(\.\w+)*;/m, /^\s*namespace \w/m, /\bpublic (static )?(string|int|bool|void|record|async Task)\b/, /\{ get; (set; )?\}/, /\bConsole\.Write/, /\bvar \w+ = new \w+/, /\$"[^"]*\{/]],
  ['shell', [/^#!\/.*\b(ba|z|da)?sh\b/, /^\s*set -[euxo]/m, /"\$\{?\w+\}?"/, /^\s*(fi|done|esac)\s*$/m, /^\s*(echo|printf|export|local|readonly) /m, /\[\[ .* \]\]/, /\|\s*(xargs|grep|sed|awk|tr|tail|head|sort)\b/, /^\s*\w+=("|\$|\w)/m]],
];

export function detectLanguage(code: string): Family | undefined {
  // Keywords inside string literals say nothing about the host language (SQL in a Python
  // execute() call), so they are blanked first; a bare SQL statement keeps its words.
  const bare = code.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
  let best: Family | undefined;
  let bestScore = 1;
  for (const [fam, res] of LANG_HINTS) {
    let s = 0;
    for (const re of res) if (re.test(bare)) s++;
    if (s > bestScore) { best = fam; bestScore = s; }
  }
  return best;
}

export interface CodeBlock { lang?: string; code: string; closed: boolean }

/** Fenced code blocks; text with no fence that looks like code counts as one block. */
export function codeBlocks(text: string): { blocks: CodeBlock[]; prose: string; fenced: boolean } {
  const blocks: CodeBlock[] = [];
  const prose: string[] = [];
  const lines = text.split('\n');
  let cur: { lang?: string; lines: string[] } | undefined;
  let fenced = false;
  for (const line of lines) {
    const m = /^\s*(```|~~~)\s*([\w+#.-]*)/.exec(line);
    if (m) {
      fenced = true;
      if (cur) { blocks.push({ lang: cur.lang, code: cur.lines.join('\n'), closed: true }); cur = undefined; }
      else cur = { lang: m[2] || undefined, lines: [] };
      continue;
    }
    if (cur) cur.lines.push(line); else prose.push(line);
  }
  if (cur) blocks.push({ lang: cur.lang, code: cur.lines.join('\n'), closed: false });
  if (!fenced) {
    // Unfenced answer: code-looking lines form the code, the rest is prose.
    const codeLines = lines.filter(looksLikeCode);
    if (codeLines.length >= Math.max(1, lines.filter((l) => l.trim()).length * 0.5)) {
      return { blocks: [{ code: text, closed: true }], prose: '', fenced };
    }
  }
  return { blocks, prose: prose.join('\n'), fenced };
}

function looksLikeCode(line: string): boolean {
  const t = line.trim();
  if (!t) return false;
  return /[;{}()=]\s*$|^(def|class|return|import|from|fn|func|let|const|var|if|for|while|SELECT|FROM|WHERE|#|\/\/|\})\b/.test(t) || /^\s{2,}\S/.test(line);
}

interface ParseReport { unbalanced: number; unterminatedString: number; openAtEnd: number; emptyBlock: number }

/**
 * Blocks whose last statement is a comment: the comment is followed only by closing brackets
 * (brace languages) or by a dedent / the end (indentation languages). Finished code seldom ends
 * a block on a comment; a stub or an elided body does, whatever the comment says.
 */
export function blocksEndingInComment(code: string, fam: Family | undefined): number {
  const comment = fam === 'python' || fam === 'shell' || fam === 'ruby' ? /^\s*#(?!!)/ : fam === 'sql' ? /^\s*--/ : /^\s*(\/\/|\/\*.*\*\/\s*$)/;
  const lines = code.split('\n').filter((l) => l.trim());
  const indent = (l: string) => /^\s*/.exec(l)![0].replace(/\t/g, '    ').length;
  let n = 0;
  for (let k = 0; k < lines.length; k++) {
    if (!comment.test(lines[k])) continue;
    if (k > 0 && comment.test(lines[k - 1])) continue; // count a comment run once
    let j = k + 1;
    while (j < lines.length && comment.test(lines[j])) j++;
    const next = lines[j];
    if (next === undefined) { if (k > 0) n++; continue; }
    if (/^\s*[)\]}]+[;,)]*\s*$/.test(next) || /^\s*(fi|done|esac|end|END;?)\s*$/.test(next)) n++;
    else if ((fam === 'python' || fam === 'shell') && k > 0 && indent(next) < indent(lines[k])) n++;
  }
  return n;
}

// Statements that reject bad input or report a failure: raise/throw/panic, error returns, exits.
const ERROR_HANDLING = /\b(raise|throw|panic!?|assert!?|bail!|exit [1-9])\b|return (nil, |"", |None, )?(err|fmt\.Errorf|errors\.New)\b|\bErr\(|\?;|>&2|\bcheck=True\b|\.raise_for_status\(|error_for_status\(|\bset -e/g;

/** A light lexical check: brackets and quotes balance, outside comments and strings. */
export function parseCheck(code: string, fam: Family | undefined): ParseReport {
  const lineComment = fam === 'python' || fam === 'shell' || fam === 'ruby' ? '#' : fam === 'sql' ? '--' : '//';
  const blockComment = fam === 'python' || fam === 'sql' || fam === 'shell' ? undefined : ['/*', '*/'];
  const quotes = fam === 'js' ? '\'"`' : fam === 'go' ? '"\'`' : fam === 'rust' ? '"' : '\'"';
  const stack: string[] = [];
  let unbalanced = 0;
  let unterminatedString = 0;
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let i = 0;
  const n = code.length;
  let prev = ''; // last non-space character outside strings and comments
  while (i < n) {
    const ch = code[i];
    if (fam === 'shell' && ch === '\\') { i += 2; continue; }
    // In shell, # starts a comment only at the start of a word ($#, ${#x} are not comments).
    if (code.startsWith(lineComment, i) && (fam !== 'shell' || i === 0 || /\s/.test(code[i - 1]))) { while (i < n && code[i] !== '\n') i++; continue; }
    if (fam === 'js' && ch === '/' && code[i + 1] !== '/' && code[i + 1] !== '*' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev))) {
      // A regex literal (where an operand is expected): its quotes and brackets are not code.
      const m = /^\/(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+\/[a-z]*/.exec(code.slice(i, i + 500));
      if (m) { i += m[0].length; prev = 'r'; continue; }
    }
    if (!/\s/.test(ch)) prev = ch;
    if (blockComment && code.startsWith(blockComment[0], i)) {
      const end = code.indexOf(blockComment[1], i + 2);
      if (end < 0) { unterminatedString++; break; }
      i = end + 2; continue;
    }
    if (fam === 'python' && (code.startsWith('"""', i) || code.startsWith("'''", i))) {
      const q = code.slice(i, i + 3);
      const end = code.indexOf(q, i + 3);
      if (end < 0) { unterminatedString++; break; }
      i = end + 3; continue;
    }
    if (fam === 'rust' && ch === "'") {
      // char literal 'x' / '\n', otherwise a lifetime 'a
      const m = /^'(\\.[^']*|[^\\'])'/.exec(code.slice(i, i + 12));
      i += m ? m[0].length : 1; continue;
    }
    if (quotes.includes(ch)) {
      const multiline = ch === '`';
      let j = i + 1;
      let ok = false;
      let interp = 0; // open ${ of a JS template literal: its closing } is code, not text
      while (j < n) {
        const c = code[j];
        if (c === '\\' && ch !== '`') { j += 2; continue; }
        if (fam === 'js' && ch === '`') {
          if (c === '\\') { j += 2; continue; }
          if (c === '$' && code[j + 1] === '{') { interp++; j += 2; continue; }
          if (c === '}' && interp > 0) { interp--; j++; continue; }
          if (c === ch && interp > 0) { j++; continue; }
        }
        if (c === ch) {
          if (fam === 'sql' && code[j + 1] === ch) { j += 2; continue; }
          ok = true; break;
        }
        if (c === '\n' && !multiline) break;
        j++;
      }
      if (!ok) unterminatedString++;
      prev = ch;
      i = j + 1; continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch in pairs) {
      if (stack.length && stack[stack.length - 1] === pairs[ch]) stack.pop();
      else unbalanced++;
    }
    i++;
  }
  let emptyBlock = 0;
  if (fam === 'python') {
    const lines = code.split('\n').filter((l) => l.trim() && !/^\s*#/.test(l));
    for (let k = 0; k < lines.length; k++) {
      if (/^\s*(def|class|if|elif|else|for|while|try|except|finally|with)\b.*:\s*(#.*)?$/.test(lines[k])) {
        const ind = /^\s*/.exec(lines[k])![0].length;
        const next = lines[k + 1];
        if (!next || /^\s*/.exec(next)![0].length <= ind) emptyBlock++;
      }
    }
  }
  return { unbalanced, unterminatedString, openAtEnd: stack.length, emptyBlock };
}

const PLACEHOLDERS: RegExp[] = [
  /rest of (the |your )?(code|implementation|function|logic|file|method)/i,
  /\b(your|add|insert|put|write) (own |the |custom |additional )?(logic|code|implementation|handling)( goes)? here/i,
  /\b(TODO|FIXME|XXX)\b/,
  /implement (this|me|here|later|the (rest|logic|remaining))|not (yet )?implemented|unimplemented!\(|todo!\(\)|NotImplementedError/i,
  /^\s*(\/\/|#|--)\s*\.{3}/m,
  /\/\*\s*\.{3}\s*\*\//,
  /^\s*\.{3}\s*$/m,
  /\bpass\s*#/,
  /\b(similar(ly)?|same) (for|as above|logic)|and so on\b/i,
  /\.{3}\s*(existing|remaining|other|more) (code|cases|methods|logic|fields)/i,
  /\b(fill in|complete) (the|this)( remaining| rest)?( part| code| logic| details)?\b/i,
  /\b(left as an exercise|you can add more|handle (other|the remaining) cases)/i,
];
const REFUSAL = /\b(I (can(no|')t|cannot|am unable to|'m unable to|won't|will not|'m not able to) (help|assist|provide|do|write|comply|share|complete)|as an AI( language model)?|I'm sorry,? but|against (my|the) (policy|guidelines)|not able to help with that)/i;
const FILLER = /\b(great question|certainly!|of course!|sure!|absolutely!|i hope this helps|happy to help|let me know if|feel free to|in conclusion|as you can see|it('s| is) (important|worth) (to note|noting)|in summary|to summarize|needless to say|at the end of the day|best of luck|happy coding)\b/gi;
const INSECURE: Array<[string, RegExp]> = [
  ['eval', /(^|[^\w.])(eval|exec)\s*\(|new Function\s*\(/],
  ['shell', /shell\s*=\s*True|os\.system\(|os\.popen\(|\bexec(Sync)?\(\s*`|child_process'?\)?\.exec\(|"sh",\s*"-c"|"bash",\s*"-c"|Command::new\("(sh|bash)"\)/],
  // SQL built from values: concatenation, interpolation (f-strings, template literals, format!/Sprintf)
  ['sqlConcat', /\b(SELECT|INSERT|UPDATE|DELETE)\b[^;\n]*(["'`]\s*(\+|\|\||%\s*\(?|\.format\()|\$\{|"\s*\+\s*\w)|\bf["'](SELECT|INSERT|UPDATE|DELETE)\b[^"'\n]*\{|(format!|Sprintf)\(\s*"(SELECT|INSERT|UPDATE|DELETE)\b[^"\n]*('\{\}'|'%s'|\{\}|%s)/i],
  ['weakHash', /\b(md5|sha1)\b|createHash\(\s*['"](md5|sha1)['"]/i],
  ['tls', /verify\s*=\s*False|rejectUnauthorized\s*:\s*false|InsecureSkipVerify\s*:\s*true|danger_accept_invalid_certs\(\s*true|NODE_TLS_REJECT_UNAUTHORIZED/],
  ['misc', /pickle\.loads?\(|yaml\.load\((?![^)]*Loader)|\.innerHTML\s*=|dangerouslySetInnerHTML|Math\.random\(\)[^\n]*(token|password|secret)|(password|secret|api_?key)\s*=\s*["'][^"']{4,}["']/i],
];
const SMELLS: Array<[string, RegExp]> = [
  ['offByOne', /<=\s*(len\(|\w+\.len\(\)|\w+\.length\b)|range\(\s*len\([^)]*\)\s*\+\s*1\)|\.\.=\s*\w+\.len\(\)/],
  ['mutableDefault', /def \w+\([^)]*=\s*(\[\]|\{\})/],
  ['bareExcept', /except\s*:|catch\s*\(\w*\)\s*\{\s*\}|catch\s*\{\s*\}/],
  ['looseEq', /[^=!]==\s*None|[^=!<>]==[^=]\s*(null|undefined)\b/],
  ['ignoredError', /,\s*_\s*:?=\s*\w|_\s*=\s*err\b|\.unwrap\(\)|\.expect\(""\)/],
  ['selectStar', /SELECT \*/i],
];
const ASKS_CODE = /\b(write|implement|create|add|fix|refactor|function|method|class|code|script|query|snippet|convert|rewrite)\b/i;
const STOP = new Set('the a an and or of to in for on with is are be this that it as by from at into how what which using use can you your i me my we our should would please make get set return returns not'.split(' '));

export const SIGNAL_NAMES = [
  'bias', 'hasCode', 'noCodeButAsked', 'fenceUnterminated', 'unbalanced', 'unterminatedString', 'openAtEnd',
  'pyEmptyBlock', 'parseAny', 'placeholders', 'placeholderAny', 'refusal', 'refusalShort',
  'endsMidWord', 'endsNoTerminator', 'truncatedAny', 'logLen', 'lenRatio', 'lenRatioLow', 'lenRatioHigh',
  'wrongLanguage', 'fenceLangMismatch', 'langMatches', 'insecureEval', 'insecureShell', 'insecureSqlConcat',
  'insecureWeakHash', 'insecureTls', 'insecureMisc', 'insecureAny', 'proseRatio', 'proseHeavy', 'filler',
  'fillerHeavy', 'overlapPrompt', 'overlapResp', 'overlapLow', 'overlapZero', 'smellOffByOne', 'smellMutableDefault',
  'smellBareExcept', 'smellLooseEq', 'smellIgnoredError', 'smellSelectStar', 'codeLines', 'commentRatio',
  'blockEndsInComment', 'errorHandling',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];
export const SIGNAL_DIM = SIGNAL_NAMES.length;
export const FEATURE_DIM = SIGNAL_DIM + HASH_DIM;
const SIG: Record<string, number> = Object.fromEntries(SIGNAL_NAMES.map((n, i) => [n, i]));

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
export { fnv1a as hashString };

function tokens(text: string): string[] {
  return (text.match(/[A-Za-z_][A-Za-z0-9_]*|\d+|[^\sA-Za-z0-9_]{1,2}/g) ?? []).map((t) => t.toLowerCase());
}
function identifiers(text: string): Set<string> {
  const out = new Set<string>();
  for (const t of text.match(/[A-Za-z_][A-Za-z0-9_]{2,}/g) ?? []) {
    const l = t.toLowerCase();
    if (!STOP.has(l)) out.add(l);
  }
  return out;
}

function promptParts(p: string | PromptLike, language?: string) {
  if (typeof p === 'string') return { text: p, instruction: p, language };
  const sel = p.context?.selection?.text ?? '';
  return { text: `${p.instruction}\n${sel}`, instruction: p.instruction, language: language ?? p.context?.language };
}

const clip = (x: number, lo = 0, hi = 1) => Math.max(lo, Math.min(hi, x));

/** The feature vector of one response to one prompt. */
export function featurize(prompt: string | PromptLike, response: string, language?: string): Float32Array {
  const f = new Float32Array(FEATURE_DIM);
  const set = (name: SignalName, v: number) => { f[SIG[name]] = v; };
  const p = promptParts(prompt, language);
  const expected = languageFamily(p.language);
  const resp = response.replace(/\r\n/g, '\n');
  const trimmed = resp.trimEnd();
  const { blocks, prose, fenced } = codeBlocks(resp);
  const code = blocks.map((b) => b.code).join('\n');
  const asked = ASKS_CODE.test(p.instruction);

  set('bias', 1);
  set('hasCode', blocks.length > 0 ? 1 : 0);
  set('noCodeButAsked', blocks.length === 0 && asked ? 1 : 0);
  const fenceOpen = blocks.some((b) => !b.closed);
  set('fenceUnterminated', fenceOpen ? 1 : 0);

  // Parse checks per block, in the block's own (tagged or detected) language.
  let unb = 0, unterm = 0, open = 0, empty = 0;
  let wrongLang = 0, fenceMismatch = 0, langMatch = 0;
  for (const b of blocks) {
    const detected = detectLanguage(b.code);
    const tagged = languageFamily(b.lang);
    const fam = tagged ?? detected ?? expected;
    const r = parseCheck(b.code, fam);
    unb += r.unbalanced; unterm += r.unterminatedString; open += r.openAtEnd; empty += r.emptyBlock;
    const actual = detected ?? tagged;
    if (expected && actual) {
      if (actual !== expected) wrongLang++; else langMatch++;
    }
    if (tagged && detected && tagged !== detected) fenceMismatch++;
  }
  set('unbalanced', clip(Math.log1p(unb) / 2));
  set('unterminatedString', clip(unterm));
  set('openAtEnd', clip(Math.log1p(open) / 2));
  set('pyEmptyBlock', clip(empty));
  set('parseAny', unb + unterm + open + empty > 0 ? 1 : 0);

  let ph = 0;
  for (const re of PLACEHOLDERS) if (re.test(resp)) ph++;
  set('placeholders', clip(ph / 3));
  set('placeholderAny', ph > 0 ? 1 : 0);
  const refusal = REFUSAL.test(resp);
  set('refusal', refusal ? 1 : 0);
  set('refusalShort', refusal && code.length < 40 ? 1 : 0);

  const last = trimmed.slice(-1);
  const lastLine = trimmed.split('\n').pop() ?? '';
  const endsInProse = !fenced || /^\s*(```|~~~)\s*$/.test(lastLine) ? false : true;
  set('endsMidWord', /[A-Za-z0-9_]$/.test(last) && !/^\s*(return|pass|break|continue|end|fi|done|END)\b/.test(lastLine) && (fenceOpen || endsInProse) ? 1 : 0);
  set('endsNoTerminator', endsInProse && !/[.!?:)`'"*\]}>]$/.test(last) ? 1 : 0);
  set('truncatedAny', fenceOpen || open > 0 || unterm > 0 ? 1 : 0);

  const logLen = Math.log1p(resp.length);
  set('logLen', logLen / 10);
  const ratio = logLen - Math.log1p(p.text.length);
  set('lenRatio', clip(ratio / 4, -1, 1));
  set('lenRatioLow', ratio < -0.5 ? 1 : 0);
  set('lenRatioHigh', ratio > 2.5 ? 1 : 0);

  set('wrongLanguage', clip(wrongLang));
  set('fenceLangMismatch', clip(fenceMismatch));
  set('langMatches', clip(langMatch));

  let insecure = 0;
  for (const [name, re] of INSECURE) {
    const hit = re.test(code || resp) ? 1 : 0;
    insecure += hit;
    const key = ('insecure' + name[0].toUpperCase() + name.slice(1)) as SignalName;
    set(key, hit);
  }
  set('insecureAny', insecure > 0 ? 1 : 0);

  const proseWords = (prose.match(/\S+/g) ?? []).length;
  const codeWords = (code.match(/\S+/g) ?? []).length;
  const proseRatio = proseWords / Math.max(1, proseWords + codeWords);
  set('proseRatio', proseRatio);
  set('proseHeavy', blocks.length > 0 && proseRatio > 0.6 ? 1 : 0);
  const filler = (resp.match(FILLER) ?? []).length;
  set('filler', clip(filler / 4));
  set('fillerHeavy', filler >= 3 ? 1 : 0);

  const pid = identifiers(p.text);
  const rid = identifiers(resp);
  let shared = 0;
  for (const t of pid) if (rid.has(t)) shared++;
  const ovP = pid.size ? shared / pid.size : 0;
  const ovR = rid.size ? shared / rid.size : 0;
  set('overlapPrompt', ovP);
  set('overlapResp', ovR);
  set('overlapLow', pid.size >= 3 && ovP < 0.2 ? 1 : 0);
  set('overlapZero', pid.size >= 2 && shared === 0 ? 1 : 0);

  const src = code || resp;
  for (const [name, re] of SMELLS) {
    const key = ('smell' + name[0].toUpperCase() + name.slice(1)) as SignalName;
    set(key, re.test(src) ? 1 : 0);
  }
  const codeLineArr = code.split('\n').filter((l) => l.trim());
  set('codeLines', clip(Math.log1p(codeLineArr.length) / 5));
  const commentLines = codeLineArr.filter((l) => /^\s*(#|\/\/|--|\/\*|\*)/.test(l)).length;
  set('commentRatio', codeLineArr.length ? commentLines / codeLineArr.length : 0);
  let endsInComment = 0;
  for (const b of blocks) endsInComment += blocksEndingInComment(b.code, languageFamily(b.lang) ?? detectLanguage(b.code) ?? expected);
  set('blockEndsInComment', clip(endsInComment));
  set('errorHandling', clip(Math.log1p((code.match(ERROR_HANDLING) ?? []).length) / 2));

  // Hashed n-grams of the response, plus response tokens that also occur in the prompt.
  const toks = tokens(resp);
  const hashed = new Float32Array(HASH_DIM);
  const add = (key: string, v: number) => {
    const h = fnv1a(key);
    hashed[h & (HASH_DIM - 1)] += (h & 0x80000000 ? -1 : 1) * v;
  };
  const pTok = new Set(tokens(p.text));
  for (let i = 0; i < toks.length; i++) {
    add('u:' + toks[i], 1);
    if (i + 1 < toks.length) add('b:' + toks[i] + ' ' + toks[i + 1], 1);
    if (pTok.has(toks[i])) add('o:' + toks[i], 0.5);
  }
  if (expected) add('lang:' + expected + ':' + (blocks.length ? 'code' : 'nocode'), 2);
  // sqrt-of-count scaling, then L2-normalise so long answers don't dominate by volume.
  let norm = 0;
  for (let i = 0; i < HASH_DIM; i++) {
    const v = hashed[i];
    const s = Math.sign(v) * Math.sqrt(Math.abs(v));
    hashed[i] = s;
    norm += s * s;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < HASH_DIM; i++) f[SIGNAL_DIM + i] = hashed[i] / norm;
  return f;
}

/** Named signal values of a feature vector (for explanations and debugging). */
export function signalsOf(f: Float32Array): Record<SignalName, number> {
  return Object.fromEntries(SIGNAL_NAMES.map((n, i) => [n, f[i]])) as Record<SignalName, number>;
}
