import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import { titleKey } from './message-index.ts';

/** A tsquery expression (SQL) to search the message index with. */
export type TsQuery = RawBuilder<unknown>;

const ENGLISH = sql.lit('mcp_archiver.english_unaccent');
const FRENCH = sql.lit('mcp_archiver.french_unaccent');

/**
 * websearch syntax, stemmed in English and in French: either language's word forms match. When both languages stem
 * the query alike (`pool`, `tarte tatin`, most phrases) it is taken once: `q || q` matches and ranks as `q` does
 * (ts_rank_cd merges equal operands), but every ts_rank_cd over a common word's matches reads the query twice
 * (measured, quiet: `pool` 21.5 → 15.8 ms in matching_message_threads).
 */
export function websearchQuery(query: string): TsQuery {
  return sql`(SELECT CASE WHEN s.english = s.french THEN s.english ELSE s.english || s.french END
    FROM (SELECT websearch_to_tsquery(${ENGLISH}::regconfig, ${query}) AS english, websearch_to_tsquery(${FRENCH}::regconfig, ${query}) AS french) s)`;
}

/** Every group must match; a group matches through any of its words (each stemmed in both languages). */
export function anyOfEachQuery(groups: readonly (readonly string[])[]): TsQuery {
  const group = (words: readonly string[]) =>
    sql`(${sql.join(
      words.map((w) => sql`plainto_tsquery(${ENGLISH}::regconfig, ${w}) || plainto_tsquery(${FRENCH}::regconfig, ${w})`),
      sql` || `,
    )})`;
  return sql`(${sql.join(groups.map(group), sql` && `)})`;
}

export interface ConversationFilters {
  userId: string;
  role?: string;
  /** Messages created at or after. */
  after?: Date;
  /** Messages created before. */
  before?: Date;
  threadId?: string;
  archived?: boolean;
}

export interface ThreadHitRow {
  thread_id: string;
  title: string;
  rank: number;
  matches: number;
  last_match_at: Date;
  thread_created_at: Date;
  archived: boolean;
  /** The thread's best-ranked matching messages, best first. */
  best_messages: string[];
}

/** Threads ranked before the deleted check, per thread asked for. */
const CANDIDATE_FACTOR = 3;

const utc = (date: Date) => sql`${date.toISOString()}::timestamptz::timestamp`;

/**
 * The user's threads whose messages match, one row per thread: ranked by their best message (ts_rank_cd), then by
 * their latest match. Threads the app deleted are dropped here, whatever the index still holds.
 */
export async function rankedThreadHits(
  db: Kysely<Database>,
  query: TsQuery,
  filters: ConversationFilters,
  limit: number,
  bestPerThread: number,
): Promise<ThreadHitRow[]> {
  const conditions = [
    sql`i.user_id = ${filters.userId}::uuid`,
    sql`i.document @@ q.query`,
    ...(filters.role !== undefined ? [sql`i.role = ${filters.role}`] : []),
    ...(filters.after !== undefined ? [sql`i.created_at >= ${utc(filters.after)}`] : []),
    ...(filters.before !== undefined ? [sql`i.created_at < ${utc(filters.before)}`] : []),
    ...(filters.threadId !== undefined ? [sql`i.thread_id = ${filters.threadId}::uuid`] : []),
  ];
  // Only thread ids, ranks and times over all matches (a common word matches thousands of messages), found and
  // ranked through the GIN index (mcp_archiver.matching_message_threads, migration 0019); the deleted check,
  // titles, archive flags and best messages are read for the best few threads only, under row-level security.
  // Deleted threads among them are rare (the pass removes them every minute): when too many were, the search runs
  // over all threads.
  const rankedThreads = async (candidates: number | null) =>
    (
      await sql<{ thread_id: string; title: string; rank: number; matches: number; last_match_at: Date; thread_created_at: Date; archived: boolean }>`
      WITH q AS (SELECT ${query} AS query),
      threads AS (
        SELECT m.* FROM q CROSS JOIN LATERAL mcp_archiver.matching_message_threads(
          ${filters.userId}::uuid, q.query, ${filters.role ?? null}::text,
          ${filters.after !== undefined ? utc(filters.after) : null}::timestamp, ${filters.before !== undefined ? utc(filters.before) : null}::timestamp,
          ${filters.threadId ?? null}::uuid, ${candidates}::int) m
      ),
      live AS (
        -- One key lookup per candidate (OFFSET 0 keeps the LATERAL a lookup): joined plainly, the planner hashed all
        -- of the user's threads to keep 30.
        SELECT th.*, t.title, t.created_at AS thread_created_at
        FROM threads th
        CROSS JOIN LATERAL (
          SELECT t.title, t.created_at FROM chat_thread t WHERE t.id = th.thread_id AND t.user_id = ${filters.userId}::uuid OFFSET 0
        ) t
        ORDER BY th.rank DESC, th.last_match_at DESC, th.thread_id
        ${filters.archived === undefined ? sql`LIMIT ${limit}` : sql``}
      ),
      flagged AS (
        SELECT live.*, EXISTS (SELECT 1 FROM archive_item ai WHERE ai.item_id = live.thread_id AND ai.user_id = ${filters.userId}::uuid) AS archived
        FROM live
      )
      SELECT thread_id, title, rank::float8 AS rank, matches, last_match_at, thread_created_at, archived
      FROM flagged
      ${filters.archived !== undefined ? sql`WHERE archived = ${filters.archived}` : sql``}
      ORDER BY rank DESC, last_match_at DESC, thread_id
      LIMIT ${limit}`.execute(db)
    ).rows;
  const overFetch = filters.archived === undefined ? limit * CANDIDATE_FACTOR : null;
  let ranked = await rankedThreads(overFetch);
  if (overFetch !== null && ranked.length < limit) ranked = await rankedThreads(null);
  if (ranked.length === 0) return [];
  const { rows: best } = await sql<{ thread_id: string; message_id: string }>`
    WITH q AS (SELECT ${query} AS query)
    SELECT b.thread_id, b.message_id FROM (
      SELECT i.thread_id, i.message_id,
             row_number() OVER (PARTITION BY i.thread_id ORDER BY ts_rank_cd(i.document, q.query) DESC, i.created_at DESC) AS n
      FROM mcp_archiver.message_index i CROSS JOIN q
      WHERE i.thread_id = ANY(${ranked.map((r) => r.thread_id)}::uuid[]) AND ${sql.join(conditions, sql` AND `)}
    ) b WHERE b.n <= ${bestPerThread}
    ORDER BY b.thread_id, b.n`.execute(db);
  const bestOf = new Map<string, string[]>();
  for (const b of best) bestOf.set(b.thread_id, [...(bestOf.get(b.thread_id) ?? []), b.message_id]);
  return ranked.map((r) => ({ ...r, best_messages: bestOf.get(r.thread_id) ?? [] }));
}

export interface TitleHitRow {
  thread_id: string;
  title: string;
  score: number;
  thread_created_at: Date;
  last_message_at: Date | null;
  archived: boolean;
  last_message_id: string | null;
}

/**
 * The user's threads whose title resembles the query (pg_trgm word similarity), best first. The titles are found
 * through the trigram index (mcp_archiver.similar_thread_titles, migration 0027); the deleted check, archive flags
 * and last messages are read for the best few under row-level security, over all matches when those were too few.
 */
export async function similarTitleHits(
  db: Kysely<Database>,
  query: string,
  filters: Pick<ConversationFilters, 'userId' | 'threadId' | 'archived'>,
  limit: number,
): Promise<TitleHitRow[]> {
  const similar = async (candidates: number | null) =>
    (
      await sql<{ thread_id: string; score: number }>`
      SELECT s.thread_id, s.score FROM mcp_archiver.similar_thread_titles(
        ${filters.userId}::uuid, ${titleKey(sql`${query}`)}, ${filters.threadId ?? null}::uuid, ${candidates}::int) s`.execute(db)
    ).rows;
  const details = async (candidates: readonly { thread_id: string; score: number }[]) =>
    (
      await sql<TitleHitRow>`
      WITH live AS (
        SELECT c.thread_id, t.title, c.score, t.created_at AS thread_created_at,
               EXISTS (SELECT 1 FROM archive_item ai WHERE ai.item_id = c.thread_id AND ai.user_id = ${filters.userId}::uuid) AS archived
        FROM unnest(${candidates.map((c) => c.thread_id)}::uuid[], ${candidates.map((c) => c.score)}::real[]) AS c(thread_id, score)
        JOIN chat_thread t ON t.id = c.thread_id AND t.user_id = ${filters.userId}::uuid
      )
      SELECT live.thread_id, live.title, live.score::float8 AS score, live.thread_created_at, live.archived,
             last.created_at AS last_message_at, last.id AS last_message_id
      FROM live
      LEFT JOIN LATERAL (SELECT m.id, m.created_at FROM chat_message m WHERE m.thread_id = live.thread_id
                         ORDER BY m.created_at DESC, m.id DESC LIMIT 1) last ON true
      ${filters.archived !== undefined ? sql`WHERE live.archived = ${filters.archived}` : sql``}
      ORDER BY live.score DESC, last.created_at DESC NULLS LAST, live.thread_id
      LIMIT ${limit}`.execute(db)
    ).rows;
  const overFetch = filters.archived === undefined ? limit * CANDIDATE_FACTOR : null;
  const candidates = await similar(overFetch);
  if (candidates.length === 0) return [];
  const rows = await details(candidates);
  // Fewer than asked for although more titles matched: the app deleted some of the best since the last pass.
  return overFetch !== null && rows.length < limit && candidates.length >= overFetch ? details(await similar(null)) : rows;
}

// pg_trgm's default threshold (0.3) lets unrelated words of similar length through ("demenagment" ~ "engagement").
const SIMILAR_WORD_MIN = 0.4;

/** For each query word, up to `perWord` words of the user's own vocabulary that look like it (trigrams). */
export async function similarWords(db: Kysely<Database>, userId: string, words: readonly string[], perWord: number): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (words.length === 0) return found;
  const { rows } = await sql<{ query_word: string; word: string }>`
    SELECT q.word AS query_word, s.word
    FROM unnest(${words}::text[]) AS q(word)
    CROSS JOIN LATERAL (
      SELECT w.word FROM mcp_archiver.message_index_word w
      WHERE w.user_id = ${userId}::uuid AND w.word OPERATOR(mcp_archiver.%) q.word
        AND mcp_archiver.similarity(w.word, q.word) >= ${SIMILAR_WORD_MIN}
      ORDER BY mcp_archiver.similarity(w.word, q.word) DESC, w.word
      LIMIT ${perWord}
    ) s`.execute(db);
  for (const row of rows) found.set(row.query_word, [...(found.get(row.query_word) ?? []), row.word]);
  return found;
}

export interface SnippetSourceRow {
  id: string;
  thread_id: string;
  role: string;
  parts: unknown;
  created_at: Date;
}

/** The messages to quote, as the app holds them now (a message deleted since it was indexed is simply absent). */
export async function messagesToQuote(db: Kysely<Database>, messageIds: readonly string[]): Promise<SnippetSourceRow[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await sql<SnippetSourceRow>`
    SELECT id, thread_id, role, parts, created_at FROM chat_message WHERE id = ANY(${messageIds}::text[])`.execute(db);
  return rows;
}

const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "';

/** ts_headline of each text against the query, in input order (matches between ** markers). */
export async function headlines(db: Kysely<Database>, query: TsQuery, texts: readonly string[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const { rows } = await sql<{ snippet: string }>`
    WITH q AS (SELECT ${query} AS query)
    SELECT ts_headline(${ENGLISH}::regconfig, t.text, q.query, ${HEADLINE_OPTIONS}) AS snippet
    FROM unnest(${texts}::text[]) WITH ORDINALITY AS t(text, n) CROSS JOIN q
    ORDER BY t.n`.execute(db);
  return rows.map((r) => r.snippet);
}
