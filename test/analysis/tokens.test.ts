import { describe, it, expect, beforeAll } from 'vitest';
import { Tiktoken } from 'js-tiktoken/lite';
import {
  createTokenCounter,
  loadTokenCounter,
  type EncodingName,
  type TokenCounter,
} from '../../src/analysis/tokens.ts';
import { generateChatCorpus } from '../support/chat-corpus.ts';
import { loadReference, rankFileOf, type ReferenceEncoding } from '../support/reference-tokenizer.ts';

const edgeCases: ReadonlyArray<readonly [string, string]> = [
  ['empty', ''],
  ['one space', ' '],
  ['one letter', 'a'],
  ['CRLF lines', 'first line\r\nsecond line\r\n\r\nthird\r'],
  ['lone CR and LF runs', '\r\r\r\n\n\n\r\n \n'],
  ['whitespace runs', 'a    b\t\t\tc  \n   \n\t x     '],
  ['trailing spaces', 'end of text     '],
  ['leading spaces', '     start'],
  ['accents', 'Élève, café, naïve, où, déjà, garçon, Ångström, straße, ĳ'],
  ['combining marks', 'e\u0301te\u0301 a\u0300 n\u0303o\u0308 Z\u0351\u0352\u0353'],
  ['NBSP and narrow NBSP', 'prix\u00a0: 12\u202f000\u00a0€\u00a0!'],
  ['ideographic space', '全角\u3000スペース\u3000です'],
  ['Chinese', '我们需要把这个对话归档，然后生成一个摘要。数据库连接池已经满了，请稍后再试。'],
  ['Japanese', 'このエラーはタイムアウトが原因です。設定ファイルを確認してください。'],
  ['Korean', '카탈로그를 내보내기 전에 데이터베이스 연결을 확인하세요. 감사합니다!'],
  ['Arabic', 'مرحبا، هل يمكنك مساعدتي في تصدير المحادثة؟ شكرا جزيلا.'],
  ['Cyrillic', 'Привет! Сервер базы данных перезапущен, очередь заданий снова работает.'],
  ['Hebrew and Devanagari', 'שלום עולם नमस्ते दुनिया'],
  ['ZWJ emoji', '👨‍👩‍👧‍👦 family, 👩🏻‍💻 coder, 🏳️‍🌈 flag'],
  ['flags, skin tones, keycaps', '🇫🇷🇯🇵 👍🏽👍🏿 1️⃣#️⃣ ❤️'],
  ['URL', 'see https://example.com/a/b_c-d?q=caf%C3%A9&page=2#top and http://localhost:5432/'],
  ['email and path', 'mail maintainer@example.org about C:\\Users\\admin\\AppData and ~/.config/app'],
  ['JSON', '{"id":"3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b","price":{"amount":12.5,"currency":"EUR"},"tags":["a","b"]}'],
  ['pretty JSON', JSON.stringify({ a: [1, 2, { b: null, c: 'x' }], d: 'é' }, null, 2)],
  ['code', 'export function f(x: number): number[] {\n  return [x, x ** 2].map((y) => y + 1);\n}\n'],
  ['Python', 'def f(self, n: int = 3) -> str:\n    return f"{n!r}"\n'],
  ['contractions', "I'm sure you're right, it's what they've said: we'll see, don't worry, I'd go. IT'S WE'LL"],
  ['odd contractions', "'s 's's rock'n'roll ''quoted'' o'clock Y'ALL"],
  ['digits', '1 12 123 1234 12345 1234567890 3.14159 1,000,000 0x1F 2026-11-25T14:08:35.123Z'],
  ['punctuation runs', '!!!??? ... --- === *** ### @@@ /// \\\\\\ ((())) {{{}}} ---\n\n///'],
  ['markdown', '# Title\n\n- item one\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote'],
  ['lone high surrogate', 'before \ud83d after'],
  ['lone low surrogate', 'before \ude00 after'],
  ['reversed surrogates', 'x\ude00\ud83dy'],
  ['surrogate at the end', 'end\ud83d'],
  ['only a lone surrogate', '\udfff'],
  ['surrogates next to letters and digits', 'a\ud800b1\udc002'],
  ['control characters', 'tab\there\u0000nul\u0007bell\u001besc\u007fdel\u0085nel\u2028ls\u2029ps'],
  ['BOM and zero-width', '\ufeffstart\u200bzero\u200cwidth\u200djoin\u2060'],
  ['mixed scripts in one word', 'abcабвαβγ中文abc'],
  ['capitals and camel case', 'HTTPServerError XMLHttpRequest getHTTPResponseCode iOS macOS ÉTÉ ÀBC'],
];

const specialTokenText = [
  '<|endoftext|>',
  'before <|endoftext|> after',
  '<|endofprompt|>',
  '<|im_start|>user\nhello<|im_end|>',
  '<|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>',
  '<|endoftext|><|endoftext|><|endoftext|>',
  '<|endoftext',
  'text <|im_sep|> and <|start|> <|end|> <|message|>',
];

function seededLetters(seed: number, length: number): string {
  let state = seed >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out += String.fromCharCode(97 + ((state >>> 16) % 26));
  }
  return out;
}

describe.each(['o200k_base', 'cl100k_base'] as const)('token counter, %s', (encoding: EncodingName) => {
  let counter: TokenCounter;
  let reference: ReferenceEncoding;

  beforeAll(async () => {
    counter = await loadTokenCounter(encoding);
    reference = await loadReference(encoding);
  });

  it('records its encoding', () => {
    expect(counter.encoding).toBe(encoding);
  });

  it.each(edgeCases)('counts %s as js-tiktoken does', (_name, text) => {
    expect(counter.count(text)).toBe(reference.count(text));
  });

  it('counts the same on a second call, once the pieces are cached', () => {
    for (const [, text] of edgeCases) expect(counter.count(text)).toBe(reference.count(text));
  });

  it.each(specialTokenText)('counts special-token text %j as ordinary text, without throwing', (text) => {
    expect(counter.count(text)).toBe(reference.count(text));
  });

  it('treats text that js-tiktoken would refuse by default as ordinary text, not as one special token', () => {
    expect(() => reference.tokenizer.encode('<|endoftext|>')).toThrow();
    expect(reference.tokenizer.encode('<|endoftext|>', 'all')).toHaveLength(1);
    expect(counter.count('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('counts a generated chat corpus message by message as js-tiktoken does', () => {
    const messages = generateChatCorpus({ seed: 2026, targetBytes: 300_000 });
    const mismatches: string[] = [];
    let total = 0;
    let expectedTotal = 0;
    for (const message of messages) {
      const ours = counter.count(message);
      const expected = reference.count(message);
      total += ours;
      expectedTotal += expected;
      if (ours !== expected) mismatches.push(`${JSON.stringify(message.slice(0, 80))}…: ${ours} ≠ ${expected}`);
    }
    expect(mismatches).toEqual([]);
    expect(total).toBe(expectedTotal);
    expect(messages.length).toBeGreaterThan(100);
  });

  it('counts the same with the piece cache off, and with a tiny cache that keeps emptying', async () => {
    const messages = generateChatCorpus({ seed: 7, targetBytes: 60_000 });
    const uncached = createTokenCounter(encoding, reference.file, { pieceCacheSize: 0 });
    const tiny = createTokenCounter(encoding, reference.file, { pieceCacheSize: 7 });
    for (const message of messages) {
      const expected = reference.count(message);
      expect(uncached.count(message)).toBe(expected);
      expect(tiny.count(message)).toBe(expected);
    }
  });

  // Long single pieces: where js-tiktoken's merge is quadratic and ours switches to the heap.
  it.each([
    ['2,500 × a', 'a'.repeat(2500)],
    ['3,000 spaces', ' '.repeat(3000)],
    ['2,000 newlines', '\n'.repeat(2000)],
    ['2,000 × =', '='.repeat(2000)],
    ['2,000 random letters', seededLetters(1, 2000)],
    ['1,200 × ab', 'ab'.repeat(1200)],
    ['capital then 2,000 lower-case letters', 'Q' + seededLetters(2, 2000)],
    ['1,000 Chinese characters', '的一是在不了有和人这中大为上个国我以要他时来用们生到作'.repeat(40)],
    ['800 Hangul syllables', '데이터베이스연결확인'.repeat(80)],
    ['2,000 punctuation characters', '!?#*'.repeat(500)],
    ['spaces and tabs', ' \t'.repeat(1200)],
  ])('counts a long piece (%s) as js-tiktoken does', (_name, text) => {
    expect(counter.count(text)).toBe(reference.count(text));
  });

  // 1 MB runs are out of js-tiktoken's reach (days). A run of one character tokenises periodically: each
  // further `period` characters add one token; the reference confirms that law at a size it can do, and
  // the law then gives the count at 1 MB.
  it.each([
    ['letter a', 'a', 8],
    ['space', ' ', 128],
  ])('counts a 1 MB run of one %s as the periodic law from js-tiktoken predicts', (_name, char, period) => {
    const size = 1_000_000;
    const small = (size % period) + 8 * period;
    const atSmall = reference.count(char.repeat(small));
    expect(reference.count(char.repeat(small + period))).toBe(atSmall + 1);
    expect(counter.count(char.repeat(small + 3 * period))).toBe(atSmall + 3);
    expect(counter.count(char.repeat(size))).toBe(atSmall + (size - small) / period);
  });

  it('counts 1 MB of random letters, one piece, and agrees with js-tiktoken on its prefix', () => {
    const text = seededLetters(3, 1_000_000);
    const prefix = text.slice(0, 2500);
    expect(counter.count(prefix)).toBe(reference.count(prefix));
    const tokens = counter.count(text);
    // Random letters make short tokens: between one token per letter and one per 8 letters.
    expect(tokens).toBeGreaterThan(text.length / 8);
    expect(tokens).toBeLessThan(text.length);
  });

  it('counts 1 MB of base64 and 1 MB of mixed chat text, each as one message, as js-tiktoken does', () => {
    const base64 = Buffer.from(seededLetters(4, 750_000)).toString('base64');
    expect(counter.count(base64)).toBe(reference.count(base64));
    const mixed = generateChatCorpus({ seed: 11, targetBytes: 1_000_000 }).join('\n\n');
    expect(counter.count(mixed)).toBe(reference.count(mixed));
  });
});

describe('loadTokenCounter', () => {
  it('loads o200k_base by default, once per encoding', async () => {
    const first = await loadTokenCounter();
    expect(first.encoding).toBe('o200k_base');
    expect(await loadTokenCounter('o200k_base')).toBe(first);
    const [a, b] = await Promise.all([loadTokenCounter('cl100k_base'), loadTokenCounter('cl100k_base')]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
  });

  it('rejects an encoding it does not know', async () => {
    await expect(loadTokenCounter('p50k_base' as EncodingName)).rejects.toThrow(/unknown encoding/);
  });
});

describe('createTokenCounter on hand-made ranks', () => {
  it('counts a piece that is itself a token as one, as js-tiktoken does, though merging would stop short', () => {
    // No adjacent pair of "abc" is a token, so merging alone leaves three parts.
    const file = rankFileOf(['a', 'b', 'c', 'abc'], '[a-z]+| ');
    const counter = createTokenCounter('o200k_base', file);
    const reference = new Tiktoken(file);
    for (const text of ['abc', 'abc abc', 'abcabc', 'cab']) {
      expect(counter.count(text)).toBe(reference.encode(text, [], []).length);
    }
    expect(counter.count('abc')).toBe(1);
  });
});
