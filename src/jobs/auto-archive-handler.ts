import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { threadsWithOpenArchiveJobs } from '../sql/queued-jobs.ts';
import { selectThreadsToArchive } from '../sql/thread-selection.ts';
import { archiveConversationJob } from './archive-conversation.ts';
import { archiveConversationsJob } from './archive-conversations.ts';
import type { AutoArchivePayload } from './auto-archive.ts';
import { enqueueArchiveGroups, groupThreads, monthLabel } from './grouped-archives.ts';
import type { JobHandler } from './job-handler.ts';

export interface AutoArchiveOutput {
  /** False when this worker runs with AUTO_ARCHIVE_AFTER unset (another worker scheduled the run). */
  enabled: boolean;
  runAt: string;
  /** Threads whose last activity is before this were eligible. */
  idleBefore?: string;
  archiveName?: string;
  users: number;
  threads: number;
  /** Eligible threads left out because an archive job (an earlier run's, or anyone's) is still on them. */
  inFlight: number;
  /** The `archive-conversations` jobs sent (one per user and 500 threads); deduplicated ones included. */
  parentJobIds: string[];
}

export interface AutoArchiveRun {
  users: number;
  threads: number;
}

/** The archive a night's run fills for each user: "Auto-archive 2026-12" (the UTC month of the run). */
export function autoArchiveName(runAt: Date): string {
  return `Auto-archive ${monthLabel(runAt)}`;
}

/**
 * One night of retention: each user's threads idle for AUTO_ARCHIVE_AFTER and in no archive are sent, through the
 * many-thread archive jobs, into that user's "Auto-archive YYYY-MM" (found or created). Threads already in an
 * archive are never selected, nor threads an archive job still waits for or runs on (an earlier night's, which may
 * target last month's archive), so a repeated or overlapping run archives each thread once.
 */
export function createAutoArchiveHandler(deps: {
  db: Kysely<Database>;
  boss: PgBoss;
  autoArchive: Config['autoArchive'];
  onRun?(run: AutoArchiveRun): void;
}): JobHandler<AutoArchivePayload, AutoArchiveOutput> {
  return async (_payload, context) => {
    const runAt = context.createdOn;
    const settings = deps.autoArchive;
    if (!settings) {
      context.log.warn('auto-archive job received while AUTO_ARCHIVE_AFTER is unset here: nothing archived');
      return { enabled: false, runAt: runAt.toISOString(), users: 0, threads: 0, inFlight: 0, parentJobIds: [] };
    }
    const idleBefore = new Date(runAt.getTime() - settings.afterMs);
    const archiveName = autoArchiveName(runAt);
    // Open jobs first: a job that ends between the two reads has written its item, which the selection then sees.
    const open = await threadsWithOpenArchiveJobs(deps.db, { thread: archiveConversationJob.queue, many: archiveConversationsJob.queue });
    const idle = await selectThreadsToArchive(deps.db, { idleSince: idleBefore });
    const threads = idle.filter((t) => !open.has(t.threadId));
    context.signal.throwIfAborted();
    const groups = groupThreads(threads, () => archiveName);
    const parents = await enqueueArchiveGroups(deps.db, deps.boss, groups, { exportFormat: settings.exportFormat, trigger: 'schedule' });
    deps.onRun?.({ users: groups.length, threads: threads.length });
    context.log.info({ idleBefore, archiveName, users: groups.length, threads: threads.length, inFlight: idle.length - threads.length }, 'auto-archive: thread archives enqueued');
    return {
      enabled: true,
      runAt: runAt.toISOString(),
      idleBefore: idleBefore.toISOString(),
      archiveName,
      users: groups.length,
      threads: threads.length,
      inFlight: idle.length - threads.length,
      parentJobIds: parents.map((p) => p.jobId),
    };
  };
}
