// Token counts of archived text, exactly as js-tiktoken's `encode(text, [], []).length` (special-token text
// such as `<|endoftext|>` counted as ordinary text), but near-linear and several times faster: js-tiktoken's
// rank files and split pattern define the result; the merge (bpe-merge.ts), the rank table (bpe-ranks.ts)
// and a cache of recent pieces are our own.

import type { TimeSlice } from '../time-slice.ts';
import { countMergedTokens, HeapMerge } from './bpe-merge.ts';
import { parseBpeRanks, NO_RANK } from './bpe-ranks.ts';
import { encodeUtf8Into } from './utf8.ts';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface TokenCounter {
  /** The encoding the counts are in; store it next to every count. */
  readonly encoding: EncodingName;
  /** Number of tokens of `text`; never throws on special-token text or lone surrogates. */
  count(text: string): number;
  /**
   * The same count, pausing whenever `slice` is due (between pieces, and inside the merge of a huge piece), so
   * that a megabyte of text never holds the event loop for long. Concurrent calls do not share state.
   */
  countInSlices(text: string, slice: TimeSlice): Promise<number>;
}

/** An encoding as js-tiktoken ships it (`js-tiktoken/ranks/<name>`). */
export interface RankFile {
  /** The pre-tokenising pattern. */
  readonly pat_str: string;
  /** Compact rank text: `<ignored> <first rank> <base64 token> …` lines. */
  readonly bpe_ranks: string;
}

export interface TokenCounterOptions {
  /** Pieces remembered per cache generation (two generations are kept); 0 turns the cache off. */
  readonly pieceCacheSize?: number;
}

const loading = new Map<EncodingName, Promise<TokenCounter>>();

/**
 * Loads one encoding's ranks (once per process, whatever the number of callers) and returns its counter.
 * o200k_base is the encoding of current OpenAI models; cl100k_base that of gpt-4 / gpt-3.5.
 */
export function loadTokenCounter(encoding: EncodingName = 'o200k_base'): Promise<TokenCounter> {
  let counter = loading.get(encoding);
  if (counter === undefined) {
    counter = importRankFile(encoding).then((file) => createTokenCounter(encoding, file));
    loading.set(encoding, counter);
    counter.catch(() => loading.delete(encoding));
  }
  return counter;
}

async function importRankFile(encoding: EncodingName): Promise<RankFile> {
  switch (encoding) {
    case 'o200k_base':
      return (await import('js-tiktoken/ranks/o200k_base')).default;
    case 'cl100k_base':
      return (await import('js-tiktoken/ranks/cl100k_base')).default;
    default:
      throw new Error(`unknown encoding: ${String(encoding satisfies never)}`);
  }
}

// Chat text repeats its words: most pieces are counted from a cache of piece → token count. Instead of an
// LRU, two generations of Maps: when the young one is full it becomes the old one and the previous old one
// is dropped; a hit in the old generation moves the piece back to the young one. Hits cost one Map lookup,
// and frequent pieces survive every turnover. Long pieces are rare, seldom repeat and would keep large
// strings alive, so they are not cached.
const DEFAULT_PIECE_CACHE_SIZE = 100_000;
const CACHEABLE_PIECE_LENGTH = 64;
// Pieces up to this size are encoded into one reused buffer; the rare longer ones get their own.
const KEPT_BUFFER_BYTES = 64 * 1024;
// Merges between looks at the clock while a huge piece is merged (a few milliseconds of work).
const MERGES_PER_CHECK = 16_384;
const PIECES_PER_CHECK = 64;

/** Builds a counter over a rank file; `loadTokenCounter` is the way in, this is for tests and benchmarks. */
export function createTokenCounter(
  encoding: EncodingName,
  file: RankFile,
  options: TokenCounterOptions = {},
): TokenCounter {
  const cacheSize = options.pieceCacheSize ?? DEFAULT_PIECE_CACHE_SIZE;
  const ranks = parseBpeRanks(file.bpe_ranks);
  // The same pattern and flags as js-tiktoken, so that the pieces are the same.
  const pattern = new RegExp(file.pat_str, 'gu');
  let young = new Map<string, number>();
  let old = new Map<string, number>();
  const buffer = new Uint8Array(KEPT_BUFFER_BYTES);

  const countPiece = (piece: string): number => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (4 per surrogate pair).
    const bytes = piece.length * 3 <= buffer.length ? buffer : new Uint8Array(piece.length * 3);
    const length = encodeUtf8Into(piece, bytes);
    // js-tiktoken looks the whole piece up before merging; merging alone might stop short of it.
    if (ranks.rankOf(bytes, 0, length) !== NO_RANK) return 1;
    return countMergedTokens(ranks, bytes, length);
  };

  // A piece too long for the shared buffer gets its own bytes, so pausing inside its merge cannot be disturbed by
  // another count running meanwhile.
  const countLongPiece = async (piece: string, slice: TimeSlice): Promise<number> => {
    const bytes = new Uint8Array(piece.length * 3);
    const length = encodeUtf8Into(piece, bytes);
    if (ranks.rankOf(bytes, 0, length) !== NO_RANK) return 1;
    const merge = new HeapMerge(ranks, bytes, length);
    while (!merge.run(MERGES_PER_CHECK)) await slice.yieldIfDue();
    return merge.parts;
  };

  const cachedCount = (piece: string): number => {
    let tokens = young.get(piece);
    if (tokens === undefined) {
      tokens = old.get(piece) ?? countPiece(piece);
      if (piece.length <= CACHEABLE_PIECE_LENGTH && cacheSize > 0) {
        if (young.size >= cacheSize) {
          old = young;
          young = new Map();
        }
        young.set(piece, tokens);
      }
    }
    return tokens;
  };

  return {
    encoding,
    count(text: string): number {
      const pieces = text.match(pattern);
      if (pieces === null) return 0;
      let total = 0;
      for (const piece of pieces) total += cachedCount(piece);
      return total;
    },
    async countInSlices(text: string, slice: TimeSlice): Promise<number> {
      // A pattern of its own: its lastIndex is this call's position in the text.
      const pieces = new RegExp(pattern.source, pattern.flags);
      let total = 0;
      let sinceCheck = 0;
      for (let match = pieces.exec(text); match !== null; match = pieces.exec(text)) {
        const piece = match[0];
        if (piece === '') {
          pieces.lastIndex++;
          continue;
        }
        total += piece.length * 3 > buffer.length ? await countLongPiece(piece, slice) : cachedCount(piece);
        if (++sinceCheck >= PIECES_PER_CHECK) {
          sinceCheck = 0;
          await slice.yieldIfDue();
        }
      }
      return total;
    },
  };
}
