import { cleanProse, forEachSentence, looksLikeProse, type ProseSentence } from './prose-text.ts';
import { sampleText } from './text-sample.ts';

// Extractive summary of a conversation, built message by message with bounded memory: TF-IDF vectors
// per sentence, a cosine-similarity graph, PageRank over it, the first user sentence as the topic, and
// the best-ranked non-redundant sentences restored to conversation order. Everything is deterministic:
// no randomness, no dependence on the machine's locale, ties broken by position.
//
// Only a sample of the conversation is ranked: the first HEAD_SENTENCES candidate sentences (kept as
// they come) and the last TAIL_SENTENCES (kept as raw text of the latest messages, up to a character
// budget, and cut into sentences only when the summary is built, so adding a message stays cheap).

const HEAD_SENTENCES = 200;
const TAIL_SENTENCES = 200;
const TAIL_CHAR_BUDGET = 60_000;
const TAIL_MAX_MESSAGES = 1_000;
/** What one message may bring to the summary: its first and last 12,000 characters (see sampleText). */
export const SUMMARY_MESSAGE_SAMPLE_CHARS = 24_000;
const TOPIC_SEARCH_USER_MESSAGES = 20;
const MIN_TOPIC_TERMS = 2;
const MIN_CANDIDATE_TERMS = 3;
const MAX_QUOTED_CHARS = 400;
const DEFAULT_MAX_SENTENCES = 5;
const DAMPING = 0.85;
const USER_TELEPORT_WEIGHT = 1.15;
const CONVERGENCE = 1e-8;
const MAX_ITERATIONS = 100;
const REDUNDANCY_COSINE = 0.5;

interface Candidate {
  readonly text: string;
  readonly terms: readonly string[];
  readonly fromUser: boolean;
  readonly message: number;
  readonly offset: number;
}

interface TailMessage {
  readonly message: number;
  readonly fromUser: boolean;
  readonly text: string;
  /** Offset of `text` in the message's cleaned text: non-zero when its front is in the head sample or was cut off. */
  readonly baseOffset: number;
}

export interface SummaryOptions {
  /** Most sentences to quote, topic included (default 5). */
  readonly maxSentences?: number;
}

export interface RetainedSample {
  readonly headSentences: number;
  readonly tailMessages: number;
  readonly tailChars: number;
}

/**
 * Accumulates an extractive summary of one conversation. Feed the prose of each message in conversation
 * order with `add(role, text)` (typed text only: no tool JSON, no ingestion previews), then call
 * `compose(maxChars)`. Memory stays bounded whatever the number of messages; see `retained`.
 */
export class ExtractiveSummaryAccumulator {
  #messages = 0;
  #userMessagesSearchedForTopic = 0;
  #topic: Candidate | null = null;
  readonly #head: Candidate[] = [];
  readonly #tail: TailMessage[] = [];
  #tailChars = 0;

  add(role: string, text: string): void {
    const message = this.#messages++;
    const cleaned = cleanProse(sampleText(text, SUMMARY_MESSAGE_SAMPLE_CHARS));
    if (cleaned.trim() === '') return;
    const fromUser = role === 'user';
    if (fromUser) this.#searchTopic(message, cleaned);

    if (this.#head.length >= HEAD_SENTENCES) {
      this.#keepInTail(message, fromUser, cleaned, 0);
      return;
    }
    let headFullAt = -1;
    forEachSentence(cleaned, (sentence) => {
      if (!isCandidate(sentence)) return true;
      this.#head.push(toCandidate(sentence, fromUser, message));
      if (this.#head.length < HEAD_SENTENCES) return true;
      headFullAt = sentence.offset + 1;
      return false;
    });
    if (headFullAt >= 0) this.#keepInTail(message, fromUser, cleaned, headFullAt);
  }

  /** What the accumulator currently holds; bounded by constants, not by the conversation's length. */
  get retained(): RetainedSample {
    return { headSentences: this.#head.length, tailMessages: this.#tail.length, tailChars: this.#tailChars };
  }

  /** The summary, at most `maxChars` UTF-16 code units long ('' when nothing is quotable). */
  compose(maxChars: number, options: SummaryOptions = {}): string {
    const limit = Number.isFinite(maxChars) ? Math.floor(maxChars) : 0;
    const maxSentences = Math.max(1, Math.floor(options.maxSentences ?? DEFAULT_MAX_SENTENCES));
    if (limit < 1) return '';
    const candidates = this.#sample();
    if (candidates.length === 0) return '';

    const vectors = tfIdfVectors(candidates);
    const similarity = similarityMatrix(vectors);
    const scores = pageRank(
      similarity,
      candidates.map((candidate) => (candidate.fromUser ? USER_TELEPORT_WEIGHT : 1)),
    );

    const chosen: { index: number; text: string }[] = [];
    let used = 0;
    const topicIndex = this.#topic === null ? -1 : candidates.indexOf(this.#topic);
    if (topicIndex >= 0) {
      const text = fitText(candidates[topicIndex]!.text, Math.min(limit, MAX_QUOTED_CHARS));
      if (text !== '') {
        chosen.push({ index: topicIndex, text });
        used = text.length;
      }
    }
    const byRank = candidates.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (const index of byRank) {
      if (chosen.length >= maxSentences) break;
      if (index === topicIndex) continue;
      const text = candidates[index]!.text;
      const needed = text.length + (chosen.length > 0 ? 1 : 0);
      if (used + needed > limit) continue;
      if (chosen.some((picked) => similarity[picked.index * candidates.length + index]! > REDUNDANCY_COSINE)) {
        continue;
      }
      chosen.push({ index, text });
      used += needed;
    }
    return chosen
      .sort((a, b) => a.index - b.index)
      .map((picked) => picked.text)
      .join(' ');
  }

  // The topic is the first sentence of a user message that says something (two content terms or
  // more): an opening "Hi!" or "Bonjour," is skipped. Other sentences need three content terms and
  // nothing cut out of them to be quoted.
  #searchTopic(message: number, cleaned: string): void {
    if (this.#topic !== null || this.#userMessagesSearchedForTopic >= TOPIC_SEARCH_USER_MESSAGES) return;
    this.#userMessagesSearchedForTopic++;
    forEachSentence(cleaned, (sentence) => {
      if (sentence.terms.length < MIN_TOPIC_TERMS || !looksLikeProse(sentence.text)) return true;
      this.#topic = toCandidate(sentence, true, message);
      return false;
    });
  }

  /** Keeps the message's text from `from` on (bounded by the budget) among the latest messages. */
  #keepInTail(message: number, fromUser: boolean, cleaned: string, from: number): void {
    const baseOffset = Math.max(0, cleaned.length - TAIL_CHAR_BUDGET, from);
    const text = baseOffset > 0 ? cleaned.slice(baseOffset) : cleaned;
    if (text.trim() === '') return;
    this.#tail.push({ message, fromUser, text, baseOffset });
    this.#tailChars += text.length;
    while (this.#tail.length > 1 && (this.#tailChars > TAIL_CHAR_BUDGET || this.#tail.length > TAIL_MAX_MESSAGES)) {
      this.#tailChars -= this.#tail.shift()!.text.length;
    }
  }

  /** Head and tail candidates in conversation order, with the topic sentence among them. */
  #sample(): Candidate[] {
    const tail: Candidate[] = [];
    for (const entry of this.#tail) {
      // A text cut from a message starts mid-sentence: its first fragment is dropped.
      let first = entry.baseOffset > 0;
      forEachSentence(entry.text, (sentence) => {
        if (first) {
          first = false;
          return true;
        }
        if (isCandidate(sentence)) {
          tail.push(toCandidate({ ...sentence, offset: entry.baseOffset + sentence.offset }, entry.fromUser, entry.message));
          if (tail.length > 2 * TAIL_SENTENCES) tail.splice(0, TAIL_SENTENCES);
        }
        return true;
      });
    }
    const sample = [...this.#head, ...tail.slice(-TAIL_SENTENCES)];
    const topic = this.#topic;
    if (topic === null) return sample;
    const withoutTopic = sample.filter((candidate) => comparePosition(candidate, topic) !== 0);
    const at = withoutTopic.findIndex((candidate) => comparePosition(candidate, topic) > 0);
    withoutTopic.splice(at < 0 ? withoutTopic.length : at, 0, topic);
    return withoutTopic;
  }
}

function isCandidate(sentence: ProseSentence): boolean {
  return (
    sentence.terms.length >= MIN_CANDIDATE_TERMS &&
    sentence.text.length <= MAX_QUOTED_CHARS &&
    !sentence.elided &&
    looksLikeProse(sentence.text)
  );
}

function toCandidate(sentence: ProseSentence, fromUser: boolean, message: number): Candidate {
  return { text: sentence.text, terms: sentence.terms, fromUser, message, offset: sentence.offset };
}

function comparePosition(a: Candidate, b: Candidate): number {
  return a.message - b.message || a.offset - b.offset;
}

/** Cuts a text to `limit` code units at a word boundary, marking the cut with an ellipsis. */
function fitText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  if (limit < 2) return '';
  let cut = text.slice(0, limit - 1);
  const lastSpace = cut.lastIndexOf(' ');
  if (lastSpace >= limit / 2) cut = cut.slice(0, lastSpace);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

interface SparseVector {
  readonly ids: Int32Array;
  readonly weights: Float64Array;
}

function tfIdfVectors(candidates: readonly Candidate[]): SparseVector[] {
  const termIds = new Map<string, number>();
  const documentFrequency: number[] = [];
  const counts = candidates.map((candidate) => {
    const termCounts = new Map<number, number>();
    for (const term of candidate.terms) {
      let id = termIds.get(term);
      if (id === undefined) {
        id = termIds.size;
        termIds.set(term, id);
        documentFrequency.push(0);
      }
      termCounts.set(id, (termCounts.get(id) ?? 0) + 1);
    }
    for (const id of termCounts.keys()) documentFrequency[id]!++;
    return termCounts;
  });
  const total = candidates.length;
  return counts.map((termCounts) => {
    const ids = Int32Array.from([...termCounts.keys()].sort((a, b) => a - b));
    const weights = new Float64Array(ids.length);
    let squared = 0;
    ids.forEach((id, slot) => {
      const inverse = Math.log((1 + total) / (1 + documentFrequency[id]!)) + 1;
      const weight = (1 + Math.log(termCounts.get(id)!)) * inverse;
      weights[slot] = weight;
      squared += weight * weight;
    });
    const norm = Math.sqrt(squared);
    for (let slot = 0; slot < weights.length; slot++) weights[slot]! /= norm;
    return { ids, weights };
  });
}

/** Dense symmetric cosine matrix (unit vectors, so a dot product), zero on the diagonal. */
function similarityMatrix(vectors: readonly SparseVector[]): Float64Array {
  const size = vectors.length;
  const matrix = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      const value = dot(vectors[i]!, vectors[j]!);
      matrix[i * size + j] = value;
      matrix[j * size + i] = value;
    }
  }
  return matrix;
}

function dot(a: SparseVector, b: SparseVector): number {
  let sum = 0;
  let i = 0;
  let j = 0;
  while (i < a.ids.length && j < b.ids.length) {
    const left = a.ids[i]!;
    const right = b.ids[j]!;
    if (left === right) sum += a.weights[i++]! * b.weights[j++]!;
    else if (left < right) i++;
    else j++;
  }
  return sum;
}

/** Weighted PageRank with a personalised teleport; sentences without neighbours spread by teleport. */
function pageRank(matrix: Float64Array, teleportWeights: readonly number[]): Float64Array {
  const size = teleportWeights.length;
  const weightSum = teleportWeights.reduce((sum, weight) => sum + weight, 0);
  const teleport = Float64Array.from(teleportWeights, (weight) => weight / weightSum);
  const outSum = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let j = 0; j < size; j++) sum += matrix[i * size + j]!;
    outSum[i] = sum;
  }
  let rank = Float64Array.from(teleport);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let dangling = 0;
    for (let i = 0; i < size; i++) if (outSum[i] === 0) dangling += rank[i]!;
    const next = new Float64Array(size);
    for (let j = 0; j < size; j++) next[j] = (1 - DAMPING + DAMPING * dangling) * teleport[j]!;
    for (let i = 0; i < size; i++) {
      if (outSum[i] === 0) continue;
      const share = (DAMPING * rank[i]!) / outSum[i]!;
      for (let j = 0; j < size; j++) next[j]! += share * matrix[i * size + j]!;
    }
    let delta = 0;
    for (let i = 0; i < size; i++) delta += Math.abs(next[i]! - rank[i]!);
    rank = next;
    if (delta < CONVERGENCE) break;
  }
  return rank;
}
