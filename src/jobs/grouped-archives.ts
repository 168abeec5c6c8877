import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { archiveNamed, upsertNewArchive } from '../sql/archives.ts';
import type { ExportFormat } from '../export/export-types.ts';
import { archiveConversationsJob, MAX_THREADS_PER_REQUEST, type ArchiveConversationsPayload } from './archive-conversations.ts';
import { shortDigest } from '../short-digest.ts';
import { enqueue, type EnqueueResult } from './registry.ts';
import { archiveIdForJob } from './archive-writer.ts';

/** Threads going into one named archive of one user. */
export interface ArchiveGroup {
  userId: string;
  archiveName: string;
  threadIds: string[];
}

export interface EnqueuedGroup extends EnqueueResult {
  userId: string;
  archiveId: string;
  archiveName: string;
  threadCount: number;
}

/**
 * The user's archive called `name`: their oldest one of that name, else a new one whose id is derived from
 * (user, name), so that two runs racing to create it make one archive.
 */
export async function findOrCreateNamedArchive(db: Kysely<Database>, userId: string, name: string): Promise<string> {
  return actingAs(db, { userId }, async (trx) => {
    const existing = await archiveNamed(trx, userId, name);
    if (existing) return existing.id;
    const created = await upsertNewArchive(trx, { id: archiveIdForJob(`named:${shortDigest([userId, name])}`), name, description: null, userId });
    if (!created) throw new Error(`cannot create archive "${name}" for user ${userId}: its id is taken`);
    return created.id;
  });
}

/**
 * One `archive-conversations` job per group (per 500 threads), each into the group's named archive, found or
 * created first so that every chunk of a group lands in the same archive.
 */
export async function enqueueArchiveGroups(
  db: Kysely<Database>,
  boss: PgBoss,
  groups: readonly ArchiveGroup[],
  options: { exportFormat: ExportFormat; trigger: ArchiveConversationsPayload['trigger']; archiveId?: string },
): Promise<EnqueuedGroup[]> {
  const results: EnqueuedGroup[] = [];
  for (const group of groups) {
    const archiveId = options.archiveId ?? (await findOrCreateNamedArchive(db, group.userId, group.archiveName));
    for (let start = 0; start < group.threadIds.length; start += MAX_THREADS_PER_REQUEST) {
      const threadIds = group.threadIds.slice(start, start + MAX_THREADS_PER_REQUEST);
      const result = await enqueue(boss, archiveConversationsJob, {
        threadIds,
        name: group.archiveName,
        exportFormat: options.exportFormat,
        archiveId,
        requestedBy: group.userId,
        trigger: options.trigger,
      });
      results.push({ ...result, userId: group.userId, archiveId, archiveName: group.archiveName, threadCount: threadIds.length });
    }
  }
  return results;
}

/** "Archive 2026-11": the month (UTC) of a date, as the per-user monthly archives are named. */
export function monthLabel(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** Groups threads by user and by the archive name `nameOf` gives each, keeping their order. */
export function groupThreads<T extends { threadId: string; userId: string }>(threads: readonly T[], nameOf: (thread: T) => string): ArchiveGroup[] {
  const groups = new Map<string, ArchiveGroup>();
  for (const thread of threads) {
    const archiveName = nameOf(thread);
    const key = `${thread.userId}\u0000${archiveName}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { userId: thread.userId, archiveName, threadIds: [] }));
    group.threadIds.push(thread.threadId);
  }
  return [...groups.values()];
}
