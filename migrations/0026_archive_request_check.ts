import { sql, type Kysely } from 'kysely';

/**
 * `archive_conversation` sends its whole transaction in one round trip
 * (src/mcp/tools/archive-conversation-one-round-trip.ts), so the checks that decide whether its job may be inserted
 * run in the database, in the statement before the insert: the
 * thread (and the archive, when named) belongs to the caller, and the caller's open jobs in the queue are below the
 * limit given. A failed check raises (SQLSTATE P0001, hint `archive_request:<what>`), which aborts the transaction:
 * the job and its audit row are then never committed. `countOpenJobsRequestedBy` reads the same open-job count. Both
 * run with the caller's privileges (SECURITY INVOKER): the service role's grants and row-level policies apply as they
 * do to its own queries.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION mcp_archiver.open_jobs_requested_by(p_queue text, p_user uuid) RETURNS bigint
    LANGUAGE plpgsql STABLE AS $$
    BEGIN
      -- plpgsql, not sql: pg-boss's schema is installed after the migrations, and a sql body is checked at creation.
      RETURN (SELECT count(*) FROM pgboss.job
              WHERE name = p_queue AND state IN ('created', 'retry', 'active') AND data->>'requestedBy' = p_user::text);
    END
    $$;

    CREATE OR REPLACE FUNCTION mcp_archiver.check_archive_request(p_user uuid, p_thread uuid, p_archive uuid, p_queue text, p_open_limit integer)
    RETURNS void LANGUAGE plpgsql STABLE AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM chat_thread WHERE id = p_thread AND user_id = p_user) THEN
        RAISE EXCEPTION 'thread % not found', p_thread USING HINT = 'archive_request:thread';
      END IF;
      IF p_archive IS NOT NULL AND NOT EXISTS (SELECT 1 FROM archive WHERE id = p_archive AND user_id = p_user) THEN
        RAISE EXCEPTION 'archive % not found', p_archive USING HINT = 'archive_request:archive';
      END IF;
      IF p_open_limit IS NOT NULL AND mcp_archiver.open_jobs_requested_by(p_queue, p_user) >= p_open_limit THEN
        RAISE EXCEPTION 'job quota reached' USING HINT = 'archive_request:quota';
      END IF;
    END
    $$;
  `.execute(db);
}
