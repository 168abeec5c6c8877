import { sql, type Kysely } from 'kysely';

/**
 * archive_conversation's one-round-trip transaction (src/mcp/tools/archive-conversation-one-round-trip.ts) begins with
 * mcp_archiver.begin_archive_request: it declares the acting user (the transaction-local setting that row-level
 * security reads, as actingAs does) and then runs check_archive_request (migration 0026) — one statement instead of
 * two. VOLATILE: it sets a setting.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION mcp_archiver.begin_archive_request(p_user uuid, p_thread uuid, p_archive uuid, p_queue text, p_open_limit integer)
    RETURNS void LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      PERFORM set_config('mcp_archiver.acting_user', p_user::text, true);
      PERFORM mcp_archiver.check_archive_request(p_user, p_thread, p_archive, p_queue, p_open_limit);
    END
    $$;
  `.execute(db);
}
