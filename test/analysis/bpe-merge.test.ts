import { describe, it, expect } from 'vitest';
import { Tiktoken } from 'js-tiktoken/lite';
import { countByHeap, countByScan, countMergedTokens, HEAP_MERGE_MIN_BYTES } from '../../src/analysis/bpe-merge.ts';
import { parseBpeRanks, type BpeRanks } from '../../src/analysis/bpe-ranks.ts';
import { loadReference, rankFileOf } from '../support/reference-tokenizer.ts';

const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

function allMerges(ranks: BpeRanks, text: string): number[] {
  const bytes = bytesOf(text);
  return [countByScan(ranks, bytes, bytes.length), countByHeap(ranks, bytes, bytes.length)];
}

describe('BPE merge rules on hand-made ranks (scan and heap alike, as js-tiktoken)', () => {
  it('merges the lowest rank first, wherever it is', () => {
    // "abcda": bc (rank 4) first leaves a|bc|d|a = 4 parts; merging ab first would reach abcd|a = 2.
    const file = rankFileOf(['a', 'b', 'c', 'd', 'bc', 'ab', 'cd', 'abcd']);
    const ranks = parseBpeRanks(file.bpe_ranks);
    expect(allMerges(ranks, 'abcda')).toEqual([4, 4]);
    expect(new Tiktoken(file).encode('abcda', [], []).length).toBe(4);
  });

  it('takes the leftmost of equal-rank pairs', () => {
    // "aaab": aa at 0 and at 1. Leftmost → aa|a|b (aaa, ab unknown) = 3 parts; rightmost would reach a|aab = 2.
    const file = rankFileOf(['a', 'b', 'aa', 'aab']);
    const ranks = parseBpeRanks(file.bpe_ranks);
    expect(allMerges(ranks, 'aaab')).toEqual([3, 3]);
    expect(new Tiktoken(file).encode('aaab', [], []).length).toBe(3);
    const long = 'a'.repeat(2 * HEAP_MERGE_MIN_BYTES + 1) + 'b';
    expect(allMerges(ranks, long)).toEqual(Array(2).fill(new Tiktoken(file).encode(long, [], []).length));
  });

  it('stops when no adjacent pair is a token, even if a longer span is', () => {
    const file = rankFileOf(['a', 'b', 'c', 'abc']);
    const ranks = parseBpeRanks(file.bpe_ranks);
    expect(allMerges(ranks, 'abcabc')).toEqual([6, 6]);
    expect(new Tiktoken(file).encode('abcabc', [], []).length).toBe(6);
  });

  it('counts empty and one-byte pieces', () => {
    const ranks = parseBpeRanks(rankFileOf(['a']).bpe_ranks);
    expect(countMergedTokens(ranks, new Uint8Array(0), 0)).toBe(0);
    expect(countMergedTokens(ranks, bytesOf('a'), 1)).toBe(1);
    expect(countByHeap(ranks, bytesOf('a'), 1)).toBe(1);
  });
});

describe.each(['o200k_base', 'cl100k_base'] as const)('heap merge against the scan merge, %s', (encoding) => {
  it('gives the same count on random pieces of every length up to 400 bytes', async () => {
    const ranks = parseBpeRanks((await loadReference(encoding)).file.bpe_ranks);
    const alphabets = ['a', 'ab', 'aeiou', 'abcdefghijklmnopqrstuvwxyz', ' ', ' \n', '=-', '的一是', 'éà', '0123456789'];
    let seed = 42;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const mismatches: string[] = [];
    for (let length = 1; length <= 400; length++) {
      for (const alphabet of alphabets) {
        const chars = Array.from(alphabet);
        let text = '';
        while (Buffer.byteLength(text) < length) text += chars[Math.floor(random() * chars.length)];
        const bytes = bytesOf(text);
        const [scan, heap] = [countByScan(ranks, bytes, bytes.length), countByHeap(ranks, bytes, bytes.length)];
        if (scan !== heap) mismatches.push(`${JSON.stringify(text)}: scan ${scan}, heap ${heap}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
