import { sql, type Kysely } from 'kysely';
import { PGBOSS_SCHEMA } from '../db/service-role.ts';
import type { Database } from '../db/database.ts';

/** Jobs of `queue` that one user asked for (payload `requestedBy`) and that are still queued, retrying or running. */
export async function countOpenJobsRequestedBy(db: Kysely<Database>, queue: string, userId: string): Promise<number> {
  const { rows } = await sql<{ count: string }>`
    SELECT count(*) AS count FROM ${sql.table(`${PGBOSS_SCHEMA}.job`)}
    WHERE name = ${queue} AND state IN ('created', 'retry', 'active') AND data->>'requestedBy' = ${userId}`.execute(db);
  return Number(rows[0]?.count ?? 0);
}
