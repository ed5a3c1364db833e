import { describe, expect, test } from 'vitest';
import { FEATURE_DIM, featurize, parseCheck, signalsOf, codeBlocks, detectLanguage, blocksEndingInComment } from '../../../src/core/reward/features';

const py = (code: string) => '```python\n' + code + '\n```';
const sig = (prompt: Parameters<typeof featurize>[0], resp: string, lang?: string) => signalsOf(featurize(prompt, resp, lang));
const good = py('def add(a, b):\n    return a + b');

describe('features', () => {
  test('fixed-size Float32Array, deterministic', () => {
    const a = featurize('add two numbers', good);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(FEATURE_DIM);
    expect(featurize('add two numbers', good)).toEqual(a);
    expect(featurize('add two numbers', good + ' ')).not.toEqual(featurize('subtract', 'x'));
  });

  test('code that does not parse, per language', () => {
    expect(parseCheck('def f(x:\n    return [1, 2', 'python')).toMatchObject({ openAtEnd: 2 });
    expect(parseCheck('s = "abc\nt = 1', 'python').unterminatedString).toBe(1);
    expect(parseCheck('function f() { return (1 + 2; }', 'js').unbalanced).toBeGreaterThan(0);
    // brackets inside strings and comments do not count; Rust lifetimes are not quotes
    expect(parseCheck('const s = "}{"; // )\nconst t = `(${s}`;', 'js')).toEqual({ unbalanced: 0, unterminatedString: 0, openAtEnd: 0, emptyBlock: 0 });
    expect(parseCheck("fn f<'a>(s: &'a str) -> &'a str { let c = '}'; s }", 'rust')).toEqual({ unbalanced: 0, unterminatedString: 0, openAtEnd: 0, emptyBlock: 0 });
    expect(parseCheck("SELECT 'it''s' FROM t WHERE (a = 1);", 'sql')).toEqual({ unbalanced: 0, unterminatedString: 0, openAtEnd: 0, emptyBlock: 0 });
    expect(parseCheck('def f(x):\n# nothing\n', 'python').emptyBlock).toBe(1);
    expect(sig('add', py('def add(a, b:\n    return a + b')).parseAny).toBe(1);
    expect(sig('add', good).parseAny).toBe(0);
  });

  test('truncation: unterminated fence, ends mid-token', () => {
    const s = sig('add two numbers', '```python\ndef add(a, b):\n    ret');
    expect(s.fenceUnterminated).toBe(1);
    expect(s.truncatedAny).toBe(1);
    expect(s.endsMidWord).toBe(1);
    expect(sig('add two numbers', good).truncatedAny).toBe(0);
  });

  test('placeholders in varied wording', () => {
    for (const ph of ['# rest of code here', '// ...', '# TODO: implement', '# your logic here', 'pass  # implement', 'raise NotImplementedError', 'todo!()', '/* ... */', '// ... existing code ...']) {
      expect(sig('add', py('def add(a, b):\n    ' + ph)).placeholderAny, ph).toBe(1);
    }
    expect(sig('add', good).placeholderAny).toBe(0);
  });

  test('refusals', () => {
    expect(sig('write a parser', "I'm sorry, but I can't help with that.").refusal).toBe(1);
    expect(sig('write a parser', 'As an AI language model, I cannot do this.').refusalShort).toBe(1);
    expect(sig('write a parser', good).refusal).toBe(0);
  });

  test('wrong language against the prompt context', () => {
    const goCode = '```\nfunc Add(a, b int) int {\n\tsum := a + b\n\treturn sum\n}\n```';
    expect(sig({ instruction: 'add two numbers', context: { language: 'python' } }, goCode).wrongLanguage).toBe(1);
    expect(sig({ instruction: 'add two numbers', context: { language: 'go' } }, goCode).wrongLanguage).toBe(0);
    expect(sig('add', goCode, 'python').wrongLanguage).toBe(1);
    expect(detectLanguage('SELECT id FROM users WHERE email = $1 ORDER BY id')).toBe('sql');
    // SQL inside a Python string is still Python code.
    const pySql = '```python\nwith db.cursor() as cur:\n    cur.execute("SELECT id, name FROM users WHERE email = %s", (email,))\n    row = cur.fetchone()\n```';
    expect(detectLanguage(pySql)).not.toBe('sql');
    expect(sig({ instruction: 'fetch a user by email', context: { language: 'python' } }, pySql).wrongLanguage).toBe(0);
  });

  test('insecure patterns', () => {
    expect(sig('run', py('subprocess.run(cmd, shell=True)')).insecureShell).toBe(1);
    expect(sig('calc', py('result = eval(user_input)')).insecureEval).toBe(1);
    expect(sig('find', py('cur.execute("SELECT * FROM users WHERE name = \'" + name + "\'")')).insecureSqlConcat).toBe(1);
    expect(sig('find', py('cur.execute(f"SELECT * FROM users WHERE name = {name}")')).insecureSqlConcat).toBe(1);
    expect(sig('hash', py('hashlib.md5(password.encode()).hexdigest()')).insecureWeakHash).toBe(1);
    expect(sig('get', py('requests.get(url, verify=False)')).insecureTls).toBe(1);
    const safe = sig('find', py('cur.execute("SELECT * FROM users WHERE name = ?", (name,))'));
    expect(safe.insecureAny).toBe(0);
  });

  test('prose padding and answering another question', () => {
    const padded = 'Great question! I hope this helps. In conclusion, feel free to ask. Let me know if anything is unclear, happy coding and best of luck with it all.\n\n' + good + '\n\nAs you can see, it is worth noting this is simple.';
    const s = sig('add two numbers', padded);
    expect(s.fillerHeavy).toBe(1);
    expect(s.proseRatio).toBeGreaterThan(0.6);
    expect(sig('add two numbers', good).proseRatio).toBe(0);
    const prompt = 'Write parse_config that reads the settings file and returns a dict of options';
    expect(sig(prompt, py('def parse_config(path):\n    options = {}\n    return options')).overlapPrompt)
      .toBeGreaterThan(sig(prompt, py('def binary_search(items, target):\n    return -1')).overlapPrompt);
  });

  test('regex and template literals, shell words; blocks that end on a comment; more languages', () => {
    const clean = { unbalanced: 0, unterminatedString: 0, openAtEnd: 0, emptyBlock: 0 };
    expect(parseCheck("const m = s.match(/[a-z']+/g) ?? [];\nconst t = s.replace(/[&<>\"']/g, f);", 'js')).toEqual(clean);
    expect(parseCheck('const a = `-${n}`;', 'js')).toEqual(clean);
    expect(parseCheck("const a = `-${n`, 'x'];", 'js').unterminatedString).toBe(1);
    expect(parseCheck('echo "$#" ${#arr[@]} a\\(b', 'shell')).toEqual(clean);
    expect(blocksEndingInComment('def f(x):\n    y = x\n    # whatever is left\n', 'python')).toBe(1);
    expect(blocksEndingInComment('fn f() -> u8 {\n    let a = 1;\n    // anything at all\n}', 'rust')).toBe(1);
    expect(blocksEndingInComment('fn f() -> u8 {\n    // one\n    1\n}', 'rust')).toBe(0);
    expect(detectLanguage('#!/usr/bin/env bash\nset -euo pipefail\nname="$1"\necho "$name" | tr a b')).toBe('shell');
    expect(detectLanguage('using System;\nnamespace App;\npublic static string F() { var x = new Thing(); return $"{x}"; }')).toBe('csharp');
    expect(detectLanguage('import java.util.List;\npublic final class A {\n    public static String f() throws Exception { return ""; }\n}')).toBe('java');
  });

  test('code blocks: fences and unfenced code', () => {
    expect(codeBlocks('text\n```ts\nlet a = 1;\n```\nmore').blocks).toEqual([{ lang: 'ts', code: 'let a = 1;', closed: true }]);
    expect(codeBlocks('def f():\n    return 1').blocks).toHaveLength(1);
    expect(codeBlocks('Just an explanation in words.').blocks).toHaveLength(0);
  });
});
