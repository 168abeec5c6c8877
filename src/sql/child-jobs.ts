import { PGBOSS_SCHEMA } from '../db/schemas.ts';
import type { SqlExecutor } from '../ops/sql-executor.ts';

/** The thread jobs the given `archive-conversations` jobs enqueued (newest attempt per thread first). */
export async function childJobsOf(db: SqlExecutor, childQueue: string, parentJobIds: readonly string[]): Promise<{ id: string; threadId: string }[]> {
  const { rows } = await db.executeSql(
    `SELECT DISTINCT ON (data ->> 'parentJobId', data ->> 'threadId') id, data ->> 'threadId' AS thread_id
       FROM ${PGBOSS_SCHEMA}.job
      WHERE name = $1 AND data ->> 'parentJobId' = ANY($2::text[])
      ORDER BY data ->> 'parentJobId', data ->> 'threadId', created_on DESC`,
    [childQueue, [...parentJobIds]],
  );
  return rows.map((r) => ({ id: String(r.id), threadId: String(r.thread_id) }));
}
