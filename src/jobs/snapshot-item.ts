import { z } from 'zod';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import type { Kysely } from 'kysely';
import type { ExportStore } from '../export/object-store.ts';
import { EXPORT_CONTENT_TYPES } from '../export/export-writer.ts';
import type { ExportFileResult } from '../export/export-types.ts';
import { archiveOfUser, recordArchiveFile, touchArchiveOfUser, upsertNewArchive, upsertArchiveItem } from '../sql/archives.ts';
import { ARCHIVE_RETRY_POLICY, archiveConversationOutput, type ArchiveConversationOutput } from './archive-conversation.ts';
import { exportFormats, type ExportFormat } from '../export/export-types.ts';
import { shortDigest } from '../short-digest.ts';
import { ARCHIVE_METADATA_VERSION, ARCHIVE_WRITER } from './archive-metadata.ts';
import { archiveDescriptionSchema, archiveNameSchema } from './archive-naming.ts';
import { archiveIdForJob } from './archive-writer.ts';
import { defineJob, type JobDefinition } from './job-definition.ts';
import { PermanentJobError } from './job-failure.ts';

/** What every snapshot job (agent, workflow) takes besides the id of what it snapshots. */
export const snapshotRequest = {
  name: archiveNameSchema,
  description: archiveDescriptionSchema.optional(),
  exportFormat: z.enum(exportFormats),
  archiveId: z.uuid().optional(),
  requestedBy: z.uuid(),
};

/** A snapshot job's output is an archived item's, as an archive-conversation job's is. */
export const snapshotOutput = archiveConversationOutput;
export type SnapshotOutput = ArchiveConversationOutput;

/** Queue settings and identity of a snapshot job: one queued-or-active job per (user, item, archive, format). */
export function snapshotJobDefinition<P extends { requestedBy: string; archiveId?: string | undefined; name: string; exportFormat: string }>(
  kind: 'agent' | 'workflow',
  payload: z.ZodType<P>,
  itemIdOf: (p: P) => string,
): JobDefinition<P> {
  return defineJob({
    queue: `archive-${kind}`,
    payload,
    queueOptions: { policy: 'exclusive', ...ARCHIVE_RETRY_POLICY, expireInSeconds: 10 * 60, deleteAfterSeconds: 7 * 24 * 3600, notify: true },
    singletonKey: (p) => shortDigest([`archive-${kind}`, p.requestedBy, itemIdOf(p), p.archiveId ?? `new:${p.name}`, p.exportFormat]),
  });
}

export interface SnapshotWrite {
  jobId: string;
  userId: string;
  request: { name: string; description?: string | undefined; archiveId?: string | undefined; exportFormat: ExportFormat };
  itemType: 'agent' | 'workflow';
  itemId: string;
  /** The rendered export: text (JSON, Markdown) or bytes (PDF). */
  content: string | Buffer;
  tokensCount: number;
  summary: string;
  analysis: unknown;
  /** Item metadata besides the writer's fields and the export (e.g. the redacted paths). */
  metadata: Record<string, unknown>;
  store: ExportStore;
}

/** The archive a snapshot goes into: the caller's `archiveId`, or a new one whose id derives from the job. */
export async function snapshotArchive(db: Kysely<Database>, write: Pick<SnapshotWrite, 'jobId' | 'userId' | 'request'>): Promise<string> {
  if (!write.request.archiveId) return archiveIdForJob(write.jobId);
  const archive = await actingAs(db, { userId: write.userId }, (trx) => archiveOfUser(trx, write.userId, write.request.archiveId!));
  if (!archive) throw new PermanentJobError('archive_not_found', `archive ${write.request.archiveId} does not exist or does not belong to user ${write.userId}`);
  return archive.id;
}

/**
 * Writes the export file (temp file, renamed into place), then the archive row and the item in one transaction
 * acting as the user. Every step is keyed by what a retry repeats, so a retry leaves one archive and one item.
 */
export async function writeSnapshotItem(db: Kysely<Database>, archiveId: string, write: SnapshotWrite): Promise<SnapshotOutput> {
  const file = await write.store.create(
    { archiveId, threadId: `${write.itemType}-${write.itemId}`, format: write.request.exportFormat, jobId: write.jobId },
    EXPORT_CONTENT_TYPES[write.request.exportFormat],
  );
  let written: ExportFileResult;
  try {
    await file.write(write.content);
    written = await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
  const metadata = {
    writer: ARCHIVE_WRITER,
    version: ARCHIVE_METADATA_VERSION,
    jobId: write.jobId,
    ...write.metadata,
    export: { format: write.request.exportFormat, ...written },
    archivedAt: new Date().toISOString(),
  };
  const archiveItemId = await actingAs(db, { userId: write.userId }, async (trx) => {
    const archive = write.request.archiveId
      ? await touchArchiveOfUser(trx, write.userId, archiveId)
      : await upsertNewArchive(trx, { id: archiveId, name: write.request.name, description: write.request.description ?? null, userId: write.userId });
    if (!archive) throw new PermanentJobError('archive_not_found', `archive ${archiveId} does not exist or does not belong to user ${write.userId}`);
    const itemId = await upsertArchiveItem(trx, {
      archiveId,
      itemType: write.itemType,
      itemId: write.itemId,
      userId: write.userId,
      metadata,
      analysis: write.analysis,
      tokensCount: write.tokensCount,
      summary: write.summary,
    });
    await recordArchiveFile(trx, { archiveId, exportFormat: write.request.exportFormat, storageLocation: written.storageLocation, fileSize: written.fileSize });
    return itemId;
  });
  return { archiveId, archiveItemId, tokensCount: write.tokensCount, storageLocation: written.storageLocation, fileSize: written.fileSize };
}
