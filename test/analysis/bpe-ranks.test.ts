import { describe, it, expect } from 'vitest';
import { NO_RANK, parseBpeRanks } from '../../src/analysis/bpe-ranks.ts';
import { loadReference, rankFileOf } from '../support/reference-tokenizer.ts';

const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe.each(['o200k_base', 'cl100k_base'] as const)('parseBpeRanks on js-tiktoken %s', (encoding) => {
  it('holds exactly the tokens and ranks of js-tiktoken', async () => {
    const reference = await loadReference(encoding);
    // js-tiktoken keeps its table in the internal `rankMap`: comma-joined bytes → rank.
    const rankMap = (reference.tokenizer as unknown as { rankMap: Map<string, number> }).rankMap;
    const ranks = parseBpeRanks(reference.file.bpe_ranks);
    expect(ranks.tokenCount).toBe(rankMap.size);
    let mismatches = 0;
    let longest = 0;
    for (const [key, rank] of rankMap) {
      const bytes = new Uint8Array(key.split(',').map(Number));
      longest = Math.max(longest, bytes.length);
      if (ranks.rankOf(bytes, 0, bytes.length) !== rank) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(ranks.maxTokenBytes).toBe(longest);
  });

  it('ranks every single byte, so every merged part is a token', async () => {
    const ranks = parseBpeRanks((await loadReference(encoding)).file.bpe_ranks);
    const missing = [];
    for (let byte = 0; byte < 256; byte++) if (ranks.rankOf(new Uint8Array([byte]), 0, 1) === NO_RANK) missing.push(byte);
    expect(missing).toEqual([]);
  });

  it('finds nothing for byte ranges that are not tokens, and reads ranges inside a larger buffer', async () => {
    const ranks = parseBpeRanks((await loadReference(encoding)).file.bpe_ranks);
    const bytes = bytesOf('xx hello world xx');
    expect(ranks.rankOf(bytes, 2, 8)).not.toBe(NO_RANK); // " hello"
    expect(ranks.rankOf(bytes, 2, 8)).toBe(ranks.rankOf(bytesOf(' hello'), 0, 6));
    expect(ranks.rankOf(bytesOf('qzxqzxqzxqzx'), 0, 12)).toBe(NO_RANK);
    expect(ranks.rankOf(new Uint8Array(ranks.maxTokenBytes + 1).fill(32), 0, ranks.maxTokenBytes + 1)).toBe(NO_RANK);
    expect(ranks.pairRank(0x69, 0x6e)).toBe(ranks.rankOf(bytesOf('in'), 0, 2));
  });
});

describe('parseBpeRanks on hand-made rank text', () => {
  it('counts ranks up from each line offset, and keeps the later rank of a token listed twice', () => {
    const a = Buffer.from('a').toString('base64');
    const b = Buffer.from('b').toString('base64');
    const ab = Buffer.from('ab').toString('base64');
    const ranks = parseBpeRanks(`! 0 ${a} ${b}\n! 10 ${ab} ${a}\n`);
    expect(ranks.rankOf(bytesOf('b'), 0, 1)).toBe(1);
    expect(ranks.rankOf(bytesOf('ab'), 0, 2)).toBe(10);
    expect(ranks.pairRank(0x61, 0x62)).toBe(10);
    expect(ranks.rankOf(bytesOf('a'), 0, 1)).toBe(11);
  });

  it('rejects text that is not rank text', () => {
    expect(() => parseBpeRanks('')).toThrow();
    expect(() => parseBpeRanks('! 0 not*base64')).toThrow();
    expect(() => parseBpeRanks('! x YQ==')).toThrow();
    expect(() => parseBpeRanks('! 3000000 YQ==')).toThrow(/too large/);
  });

  it('agrees with js-tiktoken on a rank file built from tokens', () => {
    const file = rankFileOf(['a', 'b', 'ab', 'é', 'aé']);
    const ranks = parseBpeRanks(file.bpe_ranks);
    expect(ranks.rankOf(bytesOf('aé'), 0, 3)).toBe(4);
    expect(ranks.rankOf(bytesOf('é'), 0, 2)).toBe(3);
    expect(ranks.tokenCount).toBe(5);
  });
});
