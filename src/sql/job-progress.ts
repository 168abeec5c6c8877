import { sql, type Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';

export interface ManyThreadProgress {
  total: number;
  /** Threads with their item in the archive. */
  completed: number;
  /** Threads whose job failed for good (no retry left) and that have no item. */
  failed: number;
  /** Neither yet: queued, running or retrying. */
  pending: number;
  failedThreadIds: string[];
}

/**
 * Progress of a many-thread archive: the items in the archive are the truth for "completed"; the failed thread jobs
 * of this parent (by `parentJobId` in their payload) for "failed".
 */
export async function manyThreadProgress(
  db: Kysely<Database>,
  parent: { jobId: string; userId: string; archiveId: string; threadIds: readonly string[]; childQueue: string },
): Promise<ManyThreadProgress> {
  const threadIds = [...new Set(parent.threadIds)];
  const done = await actingAs(db, { userId: parent.userId }, async (trx) => {
    const { rows } = await sql<{ item_id: string }>`
      SELECT DISTINCT item_id FROM archive_item
      WHERE archive_id = ${parent.archiveId} AND item_id = ANY(${threadIds}::uuid[]) AND (metadata ->> 'writer') = 'chat-archiver'`.execute(trx);
    return new Set(rows.map((r) => r.item_id));
  });
  const { rows } = await sql<{ thread_id: string }>`
    SELECT DISTINCT data ->> 'threadId' AS thread_id FROM ${sql.table(`${PGBOSS_SCHEMA}.job`)}
    WHERE name = ${parent.childQueue} AND data ->> 'parentJobId' = ${parent.jobId} AND state = 'failed'`.execute(db);
  const failedThreadIds = rows.map((r) => r.thread_id).filter((id) => !done.has(id));
  return {
    total: threadIds.length,
    completed: done.size,
    failed: failedThreadIds.length,
    pending: threadIds.length - done.size - failedThreadIds.length,
    failedThreadIds,
  };
}
