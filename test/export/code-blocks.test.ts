import { describe, expect, it } from 'vitest';
import { splitCodeBlocks } from '../../src/export/code-blocks.ts';

describe('splitCodeBlocks', () => {
  it('separates prose from fenced code and drops the fences', () => {
    expect(splitCodeBlocks('Intro:\n```ts\nconst a = 1;\n```\nAfter.')).toEqual([
      { code: false, text: 'Intro:' },
      { code: true, text: 'const a = 1;' },
      { code: false, text: 'After.' },
    ]);
  });

  it('closes only on a matching fence at least as long, and runs an unclosed fence to the end', () => {
    expect(splitCodeBlocks('````\n```\ninside\n````\n~~~\nopen')).toEqual([
      { code: true, text: '```\ninside' },
      { code: true, text: 'open' },
    ]);
  });

  it('keeps text without fences whole, inline backticks included', () => {
    expect(splitCodeBlocks('Use `npm ci`, then ``` inline ``` text')).toEqual([
      { code: false, text: 'Use `npm ci`, then ``` inline ``` text' },
    ]);
    expect(splitCodeBlocks('')).toEqual([]);
  });
});
