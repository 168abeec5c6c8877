import { sql, type Kysely } from 'kysely';

/**
 * Every search is confined to one user. A single GIN index over (user_id, document) lets PostgreSQL find that
 * user's matching documents in the index, instead of reading all of the user's documents and filtering them
 * (measured: latency grew with the user's archive size). btree_gin (trusted) provides the uuid operator class.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA mcp_archiver;
    CREATE INDEX IF NOT EXISTS search_document_user_document_idx
      ON mcp_archiver.search_document USING gin (user_id, document);
    DROP INDEX IF EXISTS mcp_archiver.search_document_document_idx;
  `.execute(db);
}
