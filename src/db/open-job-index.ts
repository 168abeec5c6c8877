import { sql, type Kysely } from 'kysely';
import { PGBOSS_SCHEMA } from './schemas.ts';

export const OPEN_JOB_INDEX = 'job_open_by_requester';

/**
 * An index on pg-boss's job table for the per-user job quota: a user's queued, retrying and running jobs of a queue
 * (payload `requestedBy`), with the predicate of mcp_archiver.open_jobs_requested_by, so that the quota check of every
 * job-creating call reads that user's open jobs only, not every open job of the queue (pg-boss's own indexes lead with
 * the queue and state). Like the finish trigger it is created after pg-boss's own install: migrations run before that
 * schema exists. An index on the partitioned parent is created on every partition, also those attached later.
 */
export async function ensureOpenJobIndex(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `CREATE INDEX IF NOT EXISTS ${OPEN_JOB_INDEX} ON ${PGBOSS_SCHEMA}.job (name, (data->>'requestedBy'))
       WHERE state IN ('created', 'retry', 'active')`,
    )
    .execute(db);
}
