import { sql, type Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';

export interface ArchiveSearchOptions {
  /** Only this user's documents are searched. */
  userId: string;
  /** websearch syntax: words, "a phrase", -excluded, a OR b. */
  query: string;
  limit: number;
  /** Bounds every statement of the search (SET LOCAL statement_timeout). */
  timeoutMs: number;
}

export interface ArchiveSearchHit {
  archiveId: string;
  archiveName: string;
  archiveItemId: string;
  threadId: string;
  threadTitle: string;
  /** The best-matching passages of the archived text, matches between ** markers. */
  snippet: string;
  tokens: number | null;
  rank: number;
  createdAt: Date;
}

export type ArchiveSearchResult = { kind: 'hits'; hits: ArchiveSearchHit[] } | { kind: 'no-search-terms' };

// English and French stems together: a query finds both languages' documents, accents ignored.
const tsquery = (q: string) =>
  sql`(websearch_to_tsquery('mcp_archiver.english_unaccent', ${q}) || websearch_to_tsquery('mcp_archiver.french_unaccent', ${q}))`;

const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "';

/**
 * Full-text search over the user's archived items: GIN-indexed match, ts_rank_cd ranking (cover density, weights
 * A title/name > B description/summary > C text), and ts_headline snippets, computed for the returned rows only.
 */
export async function searchArchives(db: Kysely<Database>, options: ArchiveSearchOptions): Promise<ArchiveSearchResult> {
  const timeoutMs = Math.max(1, Math.floor(options.timeoutMs));
  return actingAs(db, { userId: options.userId }, async (trx) => {
    await sql.raw(`SET LOCAL statement_timeout = ${timeoutMs}`).execute(trx);
    // A query made only of one language's stop words ("the and of", "le de la") would match nearly every
    // document through the other language's configuration, which keeps them: it is refused instead.
    const { rows: terms } = await sql<{ english: number; french: number }>`
      SELECT numnode(websearch_to_tsquery('mcp_archiver.english_unaccent', ${options.query})) AS english,
             numnode(websearch_to_tsquery('mcp_archiver.french_unaccent', ${options.query})) AS french`.execute(trx);
    if (!terms[0]?.english || !terms[0]?.french) return { kind: 'no-search-terms' };
    const { rows } = await sql<{
      archive_id: string;
      archive_name: string;
      archive_item_id: string;
      thread_id: string;
      thread_title: string;
      snippet: string;
      tokens_count: number | null;
      rank: number;
      created_at: Date;
    }>`
      WITH q AS (SELECT ${tsquery(options.query)} AS query),
      top AS (
        SELECT d.archive_item_id, d.archive_id, d.archive_name, d.thread_id, d.thread_title, d.language, d.body,
               d.tokens_count, d.created_at, ts_rank_cd(d.document, q.query) AS rank
        FROM mcp_archiver.search_document d
        JOIN public.archive a ON a.id = d.archive_id AND a.user_id = d.user_id
        CROSS JOIN q
        WHERE d.user_id = ${options.userId} AND d.document @@ q.query
        ORDER BY rank DESC, d.created_at DESC, d.archive_item_id
        LIMIT ${options.limit}
      )
      SELECT top.archive_id, top.archive_name, top.archive_item_id, top.thread_id, top.thread_title, top.tokens_count,
             top.rank::float8 AS rank, top.created_at,
             ts_headline(
               CASE top.language WHEN 'english' THEN 'mcp_archiver.english_unaccent'::regconfig
                                 WHEN 'french' THEN 'mcp_archiver.french_unaccent'::regconfig
                                 ELSE 'mcp_archiver.simple_unaccent'::regconfig END,
               top.body, q.query, ${HEADLINE_OPTIONS}) AS snippet
      FROM top CROSS JOIN q
      ORDER BY top.rank DESC, top.created_at DESC, top.archive_item_id`.execute(trx);
    return {
      kind: 'hits',
      hits: rows.map((r) => ({
        archiveId: r.archive_id,
        archiveName: r.archive_name,
        archiveItemId: r.archive_item_id,
        threadId: r.thread_id,
        threadTitle: r.thread_title,
        snippet: r.snippet,
        tokens: r.tokens_count,
        rank: r.rank,
        createdAt: r.created_at,
      })),
    };
  });
}
