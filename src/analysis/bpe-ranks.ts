// The rank table of a BPE encoding, built once from js-tiktoken's compact rank text and laid out in typed
// arrays: an open-addressing hash table over token bytes, so a rank is found from a byte range without
// allocating a key string (js-tiktoken joins the bytes with commas for every lookup).

/** No token has this rank: larger than any real rank, so it loses every "lowest rank" comparison. */
export const NO_RANK = 0x7fffffff;

/** Largest rank accepted (real encodings stay below 2¹⁸); the merge heap packs ranks into 21 bits. */
export const MAX_RANK = 0x1fffff;

export interface BpeRanks {
  readonly tokenCount: number;
  /** Length in bytes of the longest token: a longer byte range never has a rank. */
  readonly maxTokenBytes: number;
  /** Approximate bytes held by the table's arrays. */
  readonly tableBytes: number;
  /** Rank of `bytes[start..end)`, or NO_RANK. */
  rankOf(bytes: Uint8Array, start: number, end: number): number;
  /** Rank of the two-byte sequence `first, second`, or NO_RANK. */
  pairRank(first: number, second: number): number;
}

/**
 * Parses js-tiktoken's `bpe_ranks` text: lines of `<ignored> <first rank> <base64 token> <base64 token> …`,
 * ranks counting up from the first. A token listed twice keeps its later rank, as in js-tiktoken.
 */
export function parseBpeRanks(compactRanks: string): BpeRanks {
  let maxTokens = 0;
  for (let i = 0; i < compactRanks.length; i++) if (compactRanks.charCodeAt(i) === SPACE) maxTokens++;
  const tokenOffset = new Uint32Array(maxTokens);
  const tokenLength = new Uint8Array(maxTokens);
  const tokenRank = new Int32Array(maxTokens);
  const pool = new Uint8Array(Math.ceil((compactRanks.length * 3) / 4));

  let tokenCount = 0;
  let poolLength = 0;
  let maxTokenBytes = 0;
  let position = 0;
  while (position < compactRanks.length) {
    let lineEnd = compactRanks.indexOf('\n', position);
    if (lineEnd < 0) lineEnd = compactRanks.length;
    const firstSpace = compactRanks.indexOf(' ', position);
    if (firstSpace < 0 || firstSpace >= lineEnd) {
      position = lineEnd + 1;
      continue;
    }
    let fieldStart = firstSpace + 1;
    let fieldEnd = nextSpace(compactRanks, fieldStart, lineEnd);
    let rank = Number.parseInt(compactRanks.slice(fieldStart, fieldEnd), 10);
    if (!Number.isSafeInteger(rank) || rank < 0) throw new Error(`bad rank offset in BPE rank text at ${fieldStart}`);
    fieldStart = fieldEnd + 1;
    while (fieldStart < lineEnd) {
      fieldEnd = nextSpace(compactRanks, fieldStart, lineEnd);
      if (fieldEnd > fieldStart) {
        if (rank > MAX_RANK) throw new Error(`rank ${rank} too large in BPE rank text at ${fieldStart}`);
        const length = decodeBase64Into(compactRanks, fieldStart, fieldEnd, pool, poolLength);
        if (length === 0 || length > 255) throw new Error(`bad token in BPE rank text at ${fieldStart}`);
        tokenOffset[tokenCount] = poolLength;
        tokenLength[tokenCount] = length;
        tokenRank[tokenCount] = rank;
        tokenCount++;
        poolLength += length;
        if (length > maxTokenBytes) maxTokenBytes = length;
        rank++;
      }
      fieldStart = fieldEnd + 1;
    }
    position = lineEnd + 1;
  }
  if (tokenCount === 0) throw new Error('BPE rank text holds no token');
  return new HashedBpeRanks(pool, tokenOffset, tokenLength, tokenRank, tokenCount, maxTokenBytes);
}

const SPACE = 32;

function nextSpace(text: string, from: number, limit: number): number {
  const index = text.indexOf(' ', from);
  return index < 0 || index > limit ? limit : index;
}

const base64Values = (() => {
  const values = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  return values;
})();

/** Decodes `text[start..end)` (padded base64) into `out` at `at`; returns the number of bytes written. */
function decodeBase64Into(text: string, start: number, end: number, out: Uint8Array, at: number): number {
  let bits = 0;
  let bitCount = 0;
  let written = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 61) break; // '=' padding
    const value = code < 128 ? (base64Values[code] ?? -1) : -1;
    if (value < 0) throw new Error(`bad base64 character in BPE rank text at ${i}`);
    bits = ((bits << 6) | value) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      out[at + written++] = (bits >>> bitCount) & 0xff;
    }
  }
  return written;
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash ^ (hash >>> 15);
}

// Each slot is 4 int32s, read together: the token's hash, rank, offset in the byte pool and length
// (0 = empty slot). Linear probing, at most half full.
const SLOT_HASH = 0;
const SLOT_RANK = 1;
const SLOT_OFFSET = 2;
const SLOT_LENGTH = 3;

class HashedBpeRanks implements BpeRanks {
  readonly tokenCount: number;
  readonly maxTokenBytes: number;
  readonly tableBytes: number;
  readonly #pool: Uint8Array;
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #pairRanks: Int32Array;

  constructor(
    pool: Uint8Array,
    tokenOffset: Uint32Array,
    tokenLength: Uint8Array,
    tokenRank: Int32Array,
    tokenCount: number,
    maxTokenBytes: number,
  ) {
    this.#pool = pool;
    this.tokenCount = tokenCount;
    this.maxTokenBytes = maxTokenBytes;
    let capacity = 1024;
    while (capacity < tokenCount * 2) capacity *= 2;
    this.#slots = new Int32Array(capacity * 4);
    this.#mask = capacity - 1;
    this.#pairRanks = new Int32Array(65536).fill(NO_RANK);
    for (let token = 0; token < tokenCount; token++) {
      this.#insert(tokenOffset[token]!, tokenLength[token]!, tokenRank[token]!);
    }
    this.tableBytes = pool.byteLength + this.#slots.byteLength + this.#pairRanks.byteLength;
  }

  #insert(offset: number, length: number, rank: number): void {
    const pool = this.#pool;
    const slots = this.#slots;
    const end = offset + length;
    const hash = hashBytes(pool, offset, end);
    let slot = (hash & this.#mask) << 2;
    // A token listed twice keeps its later rank.
    while (slots[slot + SLOT_LENGTH] !== 0 && !this.#matches(slot, hash, pool, offset, end)) {
      slot = (slot + 4) & (this.#mask << 2);
    }
    slots[slot + SLOT_HASH] = hash;
    slots[slot + SLOT_RANK] = rank;
    slots[slot + SLOT_OFFSET] = offset;
    slots[slot + SLOT_LENGTH] = length;
    if (length === 2) this.#pairRanks[(pool[offset]! << 8) | pool[offset + 1]!] = rank;
  }

  #matches(slot: number, hash: number, bytes: Uint8Array, start: number, end: number): boolean {
    const slots = this.#slots;
    if (slots[slot + SLOT_HASH] !== hash || slots[slot + SLOT_LENGTH] !== end - start) return false;
    const pool = this.#pool;
    let at = slots[slot + SLOT_OFFSET]!;
    for (let i = start; i < end; i++, at++) if (pool[at] !== bytes[i]) return false;
    return true;
  }

  rankOf(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length === 2) return this.#pairRanks[(bytes[start]! << 8) | bytes[start + 1]!]!;
    if (length > this.maxTokenBytes) return NO_RANK;
    const hash = hashBytes(bytes, start, end);
    const slots = this.#slots;
    const wrap = this.#mask << 2;
    let slot = (hash & this.#mask) << 2;
    while (slots[slot + SLOT_LENGTH] !== 0) {
      if (this.#matches(slot, hash, bytes, start, end)) return slots[slot + SLOT_RANK]!;
      slot = (slot + 4) & wrap;
    }
    return NO_RANK;
  }

  pairRank(first: number, second: number): number {
    return this.#pairRanks[(first << 8) | second]!;
  }
}
