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
