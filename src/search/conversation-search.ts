import type { Kysely, Transaction } from 'kysely';
import { extractMessageContent } from '../chat/message-content.ts';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { setLocalStatementTimeout } from '../db/statement-timeout.ts';
import {
  anyOfEachQuery,
  headlines,
  messagesToQuote,
  rankedThreadHits,
  similarTitleHits,
  similarWords,
  websearchQuery,
  type ConversationFilters,
  type TsQuery,
} from '../sql/message-index-search.ts';
import { hasTermsInBothLanguages } from '../sql/search-documents.ts';
import { correctsToItself } from './query-correction.ts';
import { vocabularyWords } from './message-index-entry.ts';

export interface ConversationSearchOptions extends ConversationFilters {
  /** websearch syntax: words, "a phrase", -excluded, a OR b. */
  query: string;
  limit: number;
  /** Bounds every statement of the search (SET LOCAL statement_timeout). */
  timeoutMs: number;
}

export type MatchKind = 'full-text' | 'similar-words' | 'title';

export interface ConversationSnippet {
  messageId: string;
  role: string;
  createdAt: Date;
  /** Matches between ** markers. */
  text: string;
}

export interface ConversationHit {
  threadId: string;
  threadTitle: string;
  archived: boolean;
  matchedBy: MatchKind;
  rank: number;
  /** Matching messages in the thread (0 for a title match). */
  matchingMessages: number;
  /** The latest matching message (the thread's latest message for a title match). */
  lastMatchAt: Date | null;
  threadCreatedAt: Date;
  snippets: ConversationSnippet[];
}

export type ConversationSearchResult = { kind: 'hits'; hits: ConversationHit[] } | { kind: 'no-search-terms' };

const SNIPPETS_PER_THREAD = 2;
const SIMILAR_WORDS_PER_WORD = 3;
// ts_headline reads the whole text: a snippet is taken from the head of a very long message.
const SNIPPET_SOURCE_MAX_CHARS = 20_000;
const SNIPPET_FALLBACK_CHARS = 240;

/**
 * Searches every conversation of one user through the message index: full text first (ranked, one hit per thread,
 * recency breaking ties); when that finds nothing, the user's own words that look like the query's (pg_trgm), then
 * thread titles that look like it. Runs as that user under row-level security.
 */
export async function searchConversations(db: Kysely<Database>, options: ConversationSearchOptions): Promise<ConversationSearchResult> {
  return actingAs(db, { userId: options.userId }, async (trx) => {
    await setLocalStatementTimeout(trx, options.timeoutMs);
    if (!(await hasTermsInBothLanguages(trx, options.query))) return { kind: 'no-search-terms' };
    const exact = websearchQuery(options.query);
    const direct = await threadHits(trx, exact, options, 'full-text');
    if (direct.length > 0) return { kind: 'hits', hits: direct };

    const hits: ConversationHit[] = [];
    const corrected = await correctedQuery(trx, options);
    if (corrected) hits.push(...(await threadHits(trx, corrected, options, 'similar-words')));
    if (hits.length < options.limit) {
      const seen = new Set(hits.map((h) => h.threadId));
      const titles = await similarTitleHits(trx, options.query, options, options.limit);
      const titleHits = titles.filter((t) => !seen.has(t.thread_id)).slice(0, options.limit - hits.length);
      const quoted = await quote(trx, null, titleHits.map((t) => t.last_message_id).filter((id): id is string => id !== null));
      for (const t of titleHits) {
        hits.push({
          threadId: t.thread_id,
          threadTitle: t.title,
          archived: t.archived,
          matchedBy: 'title',
          rank: t.score,
          matchingMessages: 0,
          lastMatchAt: t.last_message_at,
          threadCreatedAt: t.thread_created_at,
          snippets: t.last_message_id && quoted.has(t.last_message_id) ? [quoted.get(t.last_message_id)!] : [],
        });
      }
    }
    return { kind: 'hits', hits };
  });
}

async function threadHits(trx: Transaction<Database>, query: TsQuery, options: ConversationSearchOptions, matchedBy: MatchKind): Promise<ConversationHit[]> {
  const rows = await rankedThreadHits(trx, query, options, options.limit, SNIPPETS_PER_THREAD);
  const quoted = await quote(trx, query, rows.flatMap((r) => r.best_messages));
  const hits: ConversationHit[] = [];
  for (const row of rows) {
    const snippets = row.best_messages.map((id) => quoted.get(id)).filter((s): s is ConversationSnippet => s !== undefined);
    // Every matching message quoted was deleted since the last pass: nothing true is left to show.
    if (snippets.length === 0) continue;
    hits.push({
      threadId: row.thread_id,
      threadTitle: row.title,
      archived: row.archived,
      matchedBy,
      rank: row.rank,
      matchingMessages: row.matches,
      lastMatchAt: row.last_match_at,
      threadCreatedAt: row.thread_created_at,
      snippets,
    });
  }
  return hits;
}

/** Snippets of the messages as the app holds them now: highlighted against `query`, or their opening words. */
async function quote(trx: Transaction<Database>, query: TsQuery | null, messageIds: string[]): Promise<Map<string, ConversationSnippet>> {
  const messages = await messagesToQuote(trx, messageIds);
  const texts = messages.map((m) => extractMessageContent(m.parts).text.slice(0, SNIPPET_SOURCE_MAX_CHARS));
  const snippets = query ? await headlines(trx, query, texts) : texts.map(opening);
  return new Map(messages.map((m, i) => [m.id, { messageId: m.id, role: m.role, createdAt: m.created_at, text: snippets[i]! }]));
}

function opening(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= SNIPPET_FALLBACK_CHARS ? flat : `${flat.slice(0, SNIPPET_FALLBACK_CHARS)}…`;
}

/**
 * The query rebuilt from the user's own vocabulary: each word of four letters or more becomes "it or a word that
 * looks like it"; a word nothing resembles is dropped. Excluded words (-word) stay out. Null when no word is left.
 */
async function correctedQuery(trx: Transaction<Database>, options: ConversationSearchOptions): Promise<TsQuery | null> {
  const wanted = options.query
    .split(/\s+/)
    .filter((token) => !token.startsWith('-'))
    .flatMap((token) => vocabularyWords(token));
  const words = [...new Set(wanted)];
  if (words.length === 0) return null;
  const similar = await similarWords(trx, options.userId, words, SIMILAR_WORDS_PER_WORD);
  // The full text just ran with exactly these words and found nothing: running it again would find nothing again.
  if (correctsToItself(options.query, similar)) return null;
  const groups = words.map((w) => similar.get(w) ?? []).filter((g) => g.length > 0);
  return groups.length > 0 ? anyOfEachQuery(groups) : null;
}
