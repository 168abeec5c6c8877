import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';

/** tsvector holds at most 1 MB and 16,383 positions; the indexed body is capped well below that. */
export const SEARCH_BODY_MAX_CHARS = 100_000;
/** What one message may bring to the body (its head and tail), so that one huge message cannot fill it alone. */
export const SEARCH_MESSAGE_MAX_CHARS = 20_000;

export type SearchLanguage = 'english' | 'french' | 'simple';

export interface SearchDocumentInput {
  archiveItemId: string;
  archiveId: string;
  userId: string;
  threadId: string;
  threadTitle: string;
  archiveName: string;
  archiveDescription: string | null;
  summary: string;
  /** Archived message text; capped here. */
  body: string;
  language: SearchLanguage;
  tokensCount: number;
}

/**
 * Writes (or replaces) the search document of one archive item, inside the caller's transaction.
 * Weights: A = thread title and archive name, B = description and summary, C = message text.
 * Both the English and the French stemmers index the text, so either language's query finds it.
 */
export async function upsertSearchDocument(db: Kysely<Database> | Transaction<Database>, input: SearchDocumentInput): Promise<void> {
  const body = capBody(input.body);
  const heading = `${input.threadTitle} ${input.archiveName}`;
  const secondary = `${input.archiveDescription ?? ''} ${input.summary}`;
  await sql`
    INSERT INTO mcp_archiver.search_document
      (archive_item_id, archive_id, user_id, thread_id, thread_title, archive_name, language, body, document, tokens_count)
    VALUES (${input.archiveItemId}, ${input.archiveId}, ${input.userId}, ${input.threadId}, ${input.threadTitle},
            ${input.archiveName}, ${input.language}, ${body}, ${documentVector(heading, secondary, body)}, ${input.tokensCount})
    ON CONFLICT (archive_item_id) DO UPDATE SET
      archive_id = excluded.archive_id, thread_title = excluded.thread_title, archive_name = excluded.archive_name,
      language = excluded.language, body = excluded.body, document = excluded.document,
      tokens_count = excluded.tokens_count, updated_at = now()`.execute(db);
}

function documentVector(heading: string, secondary: string, body: string) {
  const both = (text: string, weight: 'A' | 'B' | 'C') => sql`
    setweight(to_tsvector('mcp_archiver.english_unaccent', ${text}) || to_tsvector('mcp_archiver.french_unaccent', ${text}), ${weight}::"char")`;
  return sql`(${both(heading, 'A')} || ${both(secondary, 'B')} || ${both(body, 'C')})`;
}

/** Keeps the start and the end of very long conversations (where topics and conclusions usually are). */
export function capBody(text: string): string {
  const clean = text.replace(/\u0000/g, '');
  if (clean.length <= SEARCH_BODY_MAX_CHARS) return clean;
  const half = Math.floor(SEARCH_BODY_MAX_CHARS / 2);
  return `${clean.slice(0, half)}\n…\n${clean.slice(-half)}`;
}

// English and French stems together: a query finds both languages' documents, accents ignored.
const tsquery = (q: string) =>
  sql`(websearch_to_tsquery('mcp_archiver.english_unaccent', ${q}) || websearch_to_tsquery('mcp_archiver.french_unaccent', ${q}))`;

const HEADLINE_OPTIONS = 'StartSel=**, StopSel=**, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "';

/** False when the query keeps no term in one of the two languages (e.g. it is made only of its stop words). */
export async function hasTermsInBothLanguages(db: Kysely<Database>, query: string): Promise<boolean> {
  const { rows } = await sql<{ english: number; french: number }>`
    SELECT numnode(websearch_to_tsquery('mcp_archiver.english_unaccent', ${query})) AS english,
           numnode(websearch_to_tsquery('mcp_archiver.french_unaccent', ${query})) AS french`.execute(db);
  return Boolean(rows[0]?.english && rows[0]?.french);
}

export interface SearchDocumentHitRow {
  archive_id: string;
  archive_name: string;
  archive_item_id: string;
  thread_id: string;
  thread_title: string;
  snippet: string;
  tokens_count: number | null;
  rank: number;
  created_at: Date;
}

/** Documents ranked before the archive check, per document asked for. */
const CANDIDATE_FACTOR = 3;

/**
 * The user's best-ranked matching documents of archives that still exist (and are still the user's), with their
 * snippets. Matching and ranking run through the GIN index (mcp_archiver.matching_search_documents, migration
 * 0019); the archive check, the rows and the snippets are read under row-level security for the best few only.
 * When the check dropped too many of them, the search runs again over every match.
 */
export async function rankedSearchDocuments(
  db: Kysely<Database>,
  search: { userId: string; query: string; limit: number },
): Promise<SearchDocumentHitRow[]> {
  const ranked = async (candidates: number | null) =>
    (
      await sql<SearchDocumentHitRow & { candidates: number }>`
    WITH q AS (SELECT ${tsquery(search.query)} AS query),
    matched AS (
      SELECT m.archive_item_id, m.rank
      FROM q CROSS JOIN LATERAL mcp_archiver.matching_search_documents(${search.userId}::uuid, q.query, ${candidates}::int) m
    ),
    top AS (
      -- One key lookup per candidate (OFFSET 0 keeps each LATERAL a lookup): joined plainly, the policies' unknown
      -- selectivity made the planner read every archive and document of the user and then keep the candidates.
      SELECT d.archive_item_id, d.archive_id, d.archive_name, d.thread_id, d.thread_title, d.language, d.body,
             d.tokens_count, d.created_at, m.rank
      FROM matched m
      CROSS JOIN LATERAL (
        SELECT d.* FROM mcp_archiver.search_document d
        WHERE d.archive_item_id = m.archive_item_id AND d.user_id = ${search.userId} OFFSET 0
      ) d
      CROSS JOIN LATERAL (SELECT 1 FROM public.archive a WHERE a.id = d.archive_id AND a.user_id = d.user_id OFFSET 0) a
      ORDER BY m.rank DESC, d.created_at DESC, d.archive_item_id
      LIMIT ${search.limit}
    )
    SELECT top.archive_id, top.archive_name, top.archive_item_id, top.thread_id, top.thread_title, top.tokens_count,
           top.rank::float8 AS rank, top.created_at,
           ts_headline(
             CASE top.language WHEN 'english' THEN 'mcp_archiver.english_unaccent'::regconfig
                               WHEN 'french' THEN 'mcp_archiver.french_unaccent'::regconfig
                               ELSE 'mcp_archiver.simple_unaccent'::regconfig END,
             top.body, q.query, ${HEADLINE_OPTIONS}) AS snippet,
           (SELECT count(*)::int FROM matched) AS candidates
    FROM top CROSS JOIN q
    ORDER BY top.rank DESC, top.created_at DESC, top.archive_item_id`.execute(db)
    ).rows;
  const candidates = search.limit * CANDIDATE_FACTOR;
  let rows = await ranked(candidates);
  if (rows.length < search.limit && (rows.length === 0 || rows[0]!.candidates >= candidates)) rows = await ranked(null);
  return rows.map(({ candidates: _, ...row }) => row);
}
