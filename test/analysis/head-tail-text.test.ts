import { describe, expect, it } from 'vitest';
import { HeadTailText } from '../../src/analysis/head-tail-text.ts';

function naive(pieces: string[], maxChars: number): string {
  const all = pieces.filter((p) => p !== '').join('\n\n');
  if (all.length <= maxChars) return all;
  const half = Math.floor(maxChars / 2);
  return `${all.slice(0, half)}\n…\n${all.slice(-half)}`;
}

describe('HeadTailText', () => {
  it('keeps everything that fits, joined by blank lines', () => {
    const text = new HeadTailText(100);
    for (const piece of ['one', '', 'two', 'three']) text.add(piece);
    expect(text.toString()).toBe('one\n\ntwo\n\nthree');
    expect(text.length).toBe(15);
  });

  it('gives the same head and tail as cutting the whole text, whatever the piece sizes', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const maxChars = 2 + Math.floor(random() * 60);
      const pieces = Array.from({ length: Math.floor(random() * 30) }, (_, i) => `${i}:${'x'.repeat(Math.floor(random() * 40))}`);
      const text = new HeadTailText(maxChars);
      for (const piece of pieces) text.add(piece);
      expect(text.toString()).toBe(naive(pieces, maxChars));
    }
  });

  it('holds a bounded amount of text however much is added', () => {
    const text = new HeadTailText(1_000);
    for (let i = 0; i < 100_000; i++) text.add(`message ${i} `.repeat(3));
    const result = text.toString();
    expect(result.length).toBe(1_003);
    expect(result.startsWith('message 0 ')).toBe(true);
    expect(result.endsWith('message 99999 ')).toBe(true);
  });
});
