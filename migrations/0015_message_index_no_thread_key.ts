import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * The message index's foreign key to its thread rows checked every inserted message (measured: it more than doubled
 * the insert time of a backfill). The pass removes a deleted thread's messages itself, in the same statement that
 * removes the thread.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE mcp_archiver.message_index DROP CONSTRAINT IF EXISTS message_index_thread_id_fkey`.execute(db);
}
