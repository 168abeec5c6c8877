import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ConversationAnalysis } from '../analysis/conversation-analysis.ts';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { recordArchiveExport, touchArchiveOfUser, upsertNewArchive, upsertThreadItem } from '../sql/archives.ts';
import { upsertSearchDocument, type SearchLanguage } from '../sql/search-documents.ts';
import type { ExportFormat } from '../export/export-types.ts';
import {
  ARCHIVE_METADATA_VERSION,
  ARCHIVE_WRITER,
  archiveItemMetadataSchema,
  archiveMcpMetadataSchema,
  digestAnalysis,
} from './archive-metadata.ts';
import { PermanentJobError } from './job-failure.ts';

export interface ArchiveTarget {
  id: string;
  /** True when the job creates the archive (its id is then derived from the job id). */
  isNew: boolean;
  name: string;
  description: string | null;
}

export interface ArchiveWrite {
  jobId: string;
  userId: string;
  threadId: string;
  threadTitle: string;
  archive: ArchiveTarget;
  mcpServerId: string | null;
  exportFormat: ExportFormat;
  file: { storageLocation: string; fileSize: number; sha256: string };
  encoding: string;
  tokensCount: number;
  messageCount: number;
  summary: string;
  analysis: ConversationAnalysis;
  searchBody: string;
}

export interface ArchiveWritten {
  archiveId: string;
  archiveItemId: string;
  /** Where the item's export was before this write (to delete once committed, if no row names it). */
  replacedLocations: string[];
}

/**
 * The id a new archive gets: derived from the job id (a name-based uuid, RFC 9562 version 8 layout), so every
 * attempt of one job writes the same archive and a retry after a crash can never create a second one.
 */
export function archiveIdForJob(jobId: string): string {
  const bytes = createHash('sha256').update(`chat-archiver:archive:${jobId}`).digest();
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Writes the archive row, its item and the item's search document in one transaction acting as the user.
 * Every statement is an upsert keyed by what a retry of the same job repeats (the archive id; the item's
 * (archive_id, item_id) among the rows this service writes), so re-running leaves one archive and one item.
 * `beforeItem` runs inside the transaction between the archive row and the item (tests simulate crashes there).
 */
export async function writeArchive(
  db: Kysely<Database>,
  input: ArchiveWrite,
  beforeItem?: () => Promise<void>,
): Promise<ArchiveWritten> {
  const now = new Date().toISOString();
  const itemMetadata = archiveItemMetadataSchema.parse({
    writer: ARCHIVE_WRITER,
    version: ARCHIVE_METADATA_VERSION,
    jobId: input.jobId,
    threadTitle: input.threadTitle,
    messageCount: input.messageCount,
    encoding: input.encoding,
    export: { format: input.exportFormat, ...input.file },
    archivedAt: now,
  });

  return actingAs(db, { userId: input.userId }, async (trx) => {
    const row = input.archive.isNew
      ? await upsertNewArchive(trx, { ...input.archive, userId: input.userId })
      : await touchArchiveOfUser(trx, input.userId, input.archive.id);
    if (!row) {
      throw new PermanentJobError('archive_not_found', `archive ${input.archive.id} does not exist or does not belong to user ${input.userId}`);
    }
    await beforeItem?.();
    const { archiveItemId, totals, replacedLocations } = await upsertThreadItem(trx, {
      archiveId: row.id,
      threadId: input.threadId,
      userId: input.userId,
      metadata: itemMetadata,
      analysis: input.analysis,
      tokensCount: input.tokensCount,
      summary: input.summary,
    });

    const mcpMetadata = archiveMcpMetadataSchema.parse({
      writer: ARCHIVE_WRITER,
      version: ARCHIVE_METADATA_VERSION,
      jobId: input.jobId,
      encoding: input.encoding,
      itemCount: totals.items,
      totals,
      lastItem: { archiveItemId, threadId: input.threadId, messageCount: input.messageCount, tokens: input.tokensCount },
      analysis: digestAnalysis(input.analysis),
      checksum: { algorithm: 'sha256', value: input.file.sha256 },
      exportFormat: input.exportFormat,
      updatedAt: now,
    });
    await recordArchiveExport(trx, {
      archiveId: row.id,
      mcpMetadata,
      mcpServerId: input.mcpServerId,
      exportFormat: input.exportFormat,
      storageLocation: input.file.storageLocation,
      fileSize: input.file.fileSize,
    });

    await upsertSearchDocument(trx, {
      archiveItemId,
      archiveId: row.id,
      userId: input.userId,
      threadId: input.threadId,
      threadTitle: input.threadTitle,
      archiveName: row.name,
      archiveDescription: row.description,
      summary: input.summary,
      body: input.searchBody,
      language: searchLanguage(input.analysis.language.language),
      tokensCount: input.tokensCount,
    });
    return { archiveId: row.id, archiveItemId, replacedLocations: replacedLocations.filter((l) => l !== input.file.storageLocation) };
  });
}

function searchLanguage(language: string): SearchLanguage {
  if (language === 'en') return 'english';
  if (language === 'fr') return 'french';
  return 'simple';
}
