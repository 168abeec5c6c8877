// Counts the tokens that byte-pair merging makes of one pre-tokenised piece, with the exact rule of tiktoken
// (and js-tiktoken): repeatedly merge the adjacent pair whose concatenation has the lowest rank, the leftmost
// one on ties, until no adjacent pair has a rank.
//
// js-tiktoken rescans every pair after each merge, which is quadratic in the piece length (8,000 repeated
// letters take seconds). Short pieces use that same scan on typed arrays, which is fastest for them; long
// pieces use a linked list of parts and an indexed min-heap of pair ranks, O(n log n), with the same result:
// the heap always yields the lowest (rank, position) among the current adjacent pairs, which is exactly the
// pair the scan would pick.

import { NO_RANK, type BpeRanks } from './bpe-ranks.ts';
import { PairHeap } from './pair-heap.ts';

/** From this many bytes on a piece is merged with the heap; below it the plain scan is faster. */
export const HEAP_MERGE_MIN_BYTES = 64;

export function countMergedTokens(ranks: BpeRanks, bytes: Uint8Array, length: number): number {
  if (length <= 1) return length;
  return length < HEAP_MERGE_MIN_BYTES ? countByScan(ranks, bytes, length) : countByHeap(ranks, bytes, length);
}

let scanStarts = new Int32Array(HEAP_MERGE_MIN_BYTES + 1);
let scanRanks = new Int32Array(HEAP_MERGE_MIN_BYTES + 1);

/** tiktoken's own merge loop, over typed arrays: O(length × merges). */
export function countByScan(ranks: BpeRanks, bytes: Uint8Array, length: number): number {
  if (length <= 1) return length;
  if (scanStarts.length < length + 1) {
    scanStarts = new Int32Array(length + 1);
    scanRanks = new Int32Array(length + 1);
  }
  const starts = scanStarts; // starts[i] = first byte of part i; starts[parts] = length
  const pairRanks = scanRanks; // pairRanks[i] = rank of parts i and i+1 merged
  for (let i = 0; i < length - 1; i++) {
    starts[i] = i;
    pairRanks[i] = ranks.pairRank(bytes[i]!, bytes[i + 1]!);
  }
  starts[length - 1] = length - 1;
  starts[length] = length;
  let parts = length;
  for (;;) {
    let best = NO_RANK;
    let at = -1;
    for (let i = 0; i < parts - 1; i++) {
      const rank = pairRanks[i]!;
      if (rank < best) {
        best = rank;
        at = i;
      }
    }
    if (at < 0) break;
    // Parts at and at+1 become one: drop start at+1 and the pair rank at+1.
    for (let i = at + 1; i < parts; i++) starts[i] = starts[i + 1]!;
    for (let i = at + 1; i < parts - 2; i++) pairRanks[i] = pairRanks[i + 1]!;
    parts--;
    if (parts === 1) break;
    if (at + 1 < parts) pairRanks[at] = ranks.rankOf(bytes, starts[at]!, starts[at + 2]!);
    if (at > 0) pairRanks[at - 1] = ranks.rankOf(bytes, starts[at - 1]!, starts[at + 1]!);
  }
  return parts;
}

/** The same merge with a linked list of parts and an indexed min-heap of pairs: O(length × log length). */
export function countByHeap(ranks: BpeRanks, bytes: Uint8Array, length: number): number {
  if (length <= 1) return length;
  const merge = new HeapMerge(ranks, bytes, length);
  merge.run(Number.POSITIVE_INFINITY);
  return merge.parts;
}

/**
 * The heap merge of one piece, resumable: `run(n)` does at most n merges, so a caller can pause between runs (a
 * megabyte-long piece takes about a second). `bytes` must not change until the merge is done.
 */
export class HeapMerge {
  readonly #ranks: BpeRanks;
  readonly #bytes: Uint8Array;
  readonly #length: number;
  // A part is named by its first byte; next[p] is the first byte of the part after it (length at the end).
  readonly #next: Int32Array;
  readonly #previous: Int32Array;
  readonly #heap: PairHeap;
  #parts: number;

  constructor(ranks: BpeRanks, bytes: Uint8Array, length: number) {
    this.#ranks = ranks;
    this.#bytes = bytes;
    this.#length = length;
    this.#parts = length;
    this.#next = new Int32Array(length);
    this.#previous = new Int32Array(length);
    this.#heap = new PairHeap(Math.max(length, 1));
    for (let part = 0; part < length; part++) {
      this.#next[part] = part + 1;
      this.#previous[part] = part - 1;
      if (part + 1 < length) {
        const rank = ranks.pairRank(bytes[part]!, bytes[part + 1]!);
        if (rank !== NO_RANK) this.#heap.append(part, rank);
      }
    }
    this.#heap.heapify();
  }

  /** Tokens so far; the piece's count once `run` has returned true. */
  get parts(): number {
    return this.#parts;
  }

  /** Does at most `maxMerges` merges; true once no adjacent pair has a rank. */
  run(maxMerges: number): boolean {
    const ranks = this.#ranks;
    const bytes = this.#bytes;
    const length = this.#length;
    const next = this.#next;
    const previous = this.#previous;
    const heap = this.#heap;
    for (let merges = 0; heap.size > 0; merges++) {
      if (merges >= maxMerges) return false;
      const left = heap.top();
      const right = next[left]!;
      heap.delete(right);
      const after = next[right]!;
      next[left] = after;
      if (after < length) previous[after] = left;
      this.#parts--;
      const rank = after < length ? ranks.rankOf(bytes, left, next[after]!) : NO_RANK;
      if (rank === NO_RANK) heap.delete(left);
      else heap.set(left, rank);
      const prior = previous[left]!;
      if (prior >= 0) {
        const priorRank = ranks.rankOf(bytes, prior, after);
        if (priorRank === NO_RANK) heap.delete(prior);
        else heap.set(prior, priorRank);
      }
    }
    return true;
  }
}
