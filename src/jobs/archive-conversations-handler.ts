import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { enqueueMany } from '../ops/enqueue-many.ts';
import { upsertNewArchive, archiveOfUser } from '../sql/archives.ts';
import { threadsInArchive } from '../sql/thread-selection.ts';
import { archiveConversationJob } from './archive-conversation.ts';
import type { ArchiveConversationsOutput, ArchiveConversationsPayload } from './archive-conversations.ts';
import { archiveIdForJob } from './archive-writer.ts';
import { PermanentJobError } from './job-failure.ts';
import type { JobHandler } from './job-handler.ts';

/**
 * The parent of a many-thread archive: makes sure the archive exists (a new one takes an id derived from this job,
 * so a retry finds it), then enqueues one thread job per thread not yet in it. Threads already archived there are
 * skipped, and a thread job still queued or running is not sent twice (its singleton key), so each thread is
 * archived once however often this runs.
 */
export function createArchiveConversationsHandler(deps: {
  db: Kysely<Database>;
  boss: PgBoss;
}): JobHandler<ArchiveConversationsPayload, ArchiveConversationsOutput> {
  return async (payload, context) => {
    const userId = payload.requestedBy;
    const threadIds = [...new Set(payload.threadIds)];
    const { archiveId, archived } = await actingAs(deps.db, { userId }, async (trx) => {
      const archive = payload.archiveId
        ? await archiveOfUser(trx, userId, payload.archiveId)
        : await upsertNewArchive(trx, { id: archiveIdForJob(context.jobId), name: payload.name, description: payload.description ?? null, userId });
      if (!archive) {
        throw new PermanentJobError('archive_not_found', `archive ${payload.archiveId ?? archiveIdForJob(context.jobId)} does not exist or does not belong to user ${userId}`);
      }
      return { archiveId: archive.id, archived: await threadsInArchive(trx, archive.id, threadIds) };
    });
    const todo = threadIds.filter((id) => !archived.has(id));
    context.signal.throwIfAborted();
    await enqueueMany(
      deps.boss,
      archiveConversationJob,
      todo.map((threadId) => ({
        threadId,
        name: payload.name,
        exportFormat: payload.exportFormat,
        archiveId,
        requestedBy: userId,
        parentJobId: context.jobId,
      })),
      { concurrency: 4 },
    );
    context.log.info({ archiveId, total: threadIds.length, enqueued: todo.length, trigger: payload.trigger }, 'thread jobs enqueued');
    return { archiveId, total: threadIds.length, enqueued: todo.length, alreadyArchived: archived.size };
  };
}
