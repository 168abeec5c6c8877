import { sql, type Kysely } from 'kysely';
import { actingUserFunction, SEARCH_DOCUMENTS_FUNCTION } from './0019_search_match_functions.ts';

/**
 * search_archives ranks a common word's thousands of matches: ts_rank_cd over each whole document (the archived
 * text, out of line) was most of its time. `lead` keeps the title, name, description and summary of a document
 * (weights A and B, `ts_filter` of the document itself, so no writer changes): small and stored in the row, it
 * orders the matches cheaply, and only the best 500 by it (newest first among equals) are ranked over their whole
 * document. A query with at most 500 matches is ranked exactly as before; bench/search.ts reports recall@10
 * against full ranking for the common ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE mcp_archiver.search_document
      ADD COLUMN IF NOT EXISTS lead tsvector GENERATED ALWAYS AS (ts_filter(document, '{a,b}')) STORED`.execute(db);
  await actingUserFunction(db, {
    ...SEARCH_DOCUMENTS_FUNCTION,
    query: `
      SELECT c.archive_item_id, ts_rank_cd(c.document, $2) AS rank
      FROM (
        SELECT d.archive_item_id, d.document, d.created_at
        FROM mcp_archiver.search_document d
        WHERE d.user_id = $1 AND d.document @@ $2
        ORDER BY ts_rank_cd(d.lead, $2) DESC, d.created_at DESC, d.archive_item_id
        LIMIT 500
      ) c
      ORDER BY rank DESC, c.created_at DESC, c.archive_item_id
      LIMIT $3`,
  });
}
