import { sql, type Kysely } from 'kysely';

/**
 * search_archives reads the heap row of every matching document to order the matches by their lead (0020); the
 * archived text (`body`) sat in that row beside the lead (about 800 of a row's 1,750 bytes in the benchmark), so a
 * common word's matches spread over every page of the user's documents. With a row target of 1,536 bytes the
 * text goes out of line (compressed, to the TOAST table) as the document already did, and the lead, kept in the
 * row uncompressed (MAIN), is what the matches read: the benchmark's heap fell from 174 to 106 MB for 100,000
 * documents. Only ts_headline reads the text, for the rows returned. Rows written before keep their layout until
 * rewritten (`VACUUM FULL mcp_archiver.search_document`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE mcp_archiver.search_document ALTER COLUMN lead SET STORAGE MAIN, SET (toast_tuple_target = 1536)`.execute(db);
}
