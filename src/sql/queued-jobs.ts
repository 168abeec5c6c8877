import { sql, type Kysely } from 'kysely';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';
import type { Database } from '../db/database.ts';

/** Jobs of `queue` that one user asked for (payload `requestedBy`) and that are still queued, retrying or running. */
export async function countOpenJobsRequestedBy(db: Kysely<Database>, queue: string, userId: string): Promise<number> {
  const { rows } = await sql<{ count: string }>`SELECT mcp_archiver.open_jobs_requested_by(${queue}, ${userId}) AS count`.execute(db);
  return Number(rows[0]?.count ?? 0);
}

/**
 * Threads that an archive job still waiting, retrying or running will archive: named by a thread job (`threadId`) or
 * by a many-thread job not yet fanned out (`threadIds`).
 */
export async function threadsWithOpenArchiveJobs(db: Kysely<Database>, queues: { thread: string; many: string }): Promise<Set<string>> {
  const { rows } = await sql<{ thread_id: string }>`
    SELECT DISTINCT t.thread_id
    FROM ${sql.table(`${PGBOSS_SCHEMA}.job`)} j
    CROSS JOIN LATERAL (
      SELECT j.data->>'threadId' AS thread_id WHERE j.name = ${queues.thread}
      UNION ALL
      SELECT jsonb_array_elements_text(j.data->'threadIds') WHERE j.name = ${queues.many}
    ) t
    WHERE j.name IN (${queues.thread}, ${queues.many}) AND j.state IN ('created', 'retry', 'active') AND t.thread_id IS NOT NULL`.execute(db);
  return new Set(rows.map((r) => r.thread_id));
}
