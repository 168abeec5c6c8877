import { describe, it, expect } from 'vitest';
import { encodeUtf8Into } from '../../src/analysis/utf8.ts';

const encoder = new TextEncoder();

function ours(text: string): number[] {
  const out = new Uint8Array(text.length * 3);
  return [...out.subarray(0, encodeUtf8Into(text, out))];
}

describe('encodeUtf8Into', () => {
  it.each([
    ['empty', ''],
    ['ASCII', 'hello, world\r\n'],
    ['two-byte', 'café Ångström ß'],
    ['three-byte', '你好，世界 — €'],
    ['surrogate pair', '😀👨‍👩‍👧‍👦🇫🇷'],
    ['lone high surrogate', 'a\ud83db'],
    ['lone low surrogate', 'a\ude00b'],
    ['reversed pair', '\ude00\ud83d'],
    ['high surrogate at the end', 'abc\ud83d'],
    ['two high surrogates then a low one', '\ud83d\ud83d\ude00'],
    ['U+FFFF and U+0800 edges', '\uffff\u0800\u07ff\u007f'],
  ])('encodes %s as TextEncoder does', (_name, text) => {
    expect(ours(text)).toEqual([...encoder.encode(text)]);
  });

  it('encodes every UTF-16 code unit and random unit sequences as TextEncoder does', () => {
    const mismatches: number[] = [];
    for (let unit = 0; unit < 0x10000; unit++) {
      const text = String.fromCharCode(unit);
      if (ours(text).join() !== [...encoder.encode(text)].join()) mismatches.push(unit);
    }
    expect(mismatches).toEqual([]);
    let seed = 7;
    const randomUnit = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      // Surrogates half of the time, to mix pairs, lone and reversed ones.
      return seed & 1 ? 0xd800 + ((seed >>> 8) & 0x7ff) : (seed >>> 8) & 0xffff;
    };
    for (let i = 0; i < 2000; i++) {
      const text = String.fromCharCode(...Array.from({ length: 1 + (i % 12) }, randomUnit));
      expect(ours(text)).toEqual([...encoder.encode(text)]);
    }
  });
});
