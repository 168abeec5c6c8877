import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ConversationAnalysis } from '../analysis/conversation-analysis.ts';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { upsertSearchDocument, type SearchLanguage } from '../search/search-document.ts';
import type { ExportFormat } from './archive-conversation.ts';
import {
  ARCHIVE_METADATA_VERSION,
  ARCHIVE_WRITER,
  archiveItemMetadataSchema,
  archiveMcpMetadataSchema,
  digestAnalysis,
} from './archive-metadata.ts';
import { previousItemExportLocations } from '../sql/exports.ts';
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
    const archive = input.archive.isNew
      ? await sql<{ id: string; name: string; description: string | null }>`
          INSERT INTO archive (id, name, description, user_id)
          VALUES (${input.archive.id}, ${input.archive.name}, ${input.archive.description}, ${input.userId})
          ON CONFLICT (id) DO UPDATE SET updated_at = now() WHERE archive.user_id = excluded.user_id
          RETURNING id, name, description`.execute(trx)
      : await sql<{ id: string; name: string; description: string | null }>`
          UPDATE archive SET updated_at = now() WHERE id = ${input.archive.id} AND user_id = ${input.userId}
          RETURNING id, name, description`.execute(trx);
    const row = archive.rows[0];
    if (!row) {
      throw new PermanentJobError('archive_not_found', `archive ${input.archive.id} does not exist or does not belong to user ${input.userId}`);
    }
    await beforeItem?.();
    const replacedLocations = await previousItemExportLocations(trx, row.id, input.threadId);

    const item = await sql<{ id: string }>`
      INSERT INTO archive_item (archive_id, item_id, user_id, item_type, metadata, mcp_analysis, tokens_count, content_summary)
      VALUES (${row.id}, ${input.threadId}, ${input.userId}, 'thread', ${JSON.stringify(itemMetadata)},
              ${JSON.stringify(input.analysis)}, ${input.tokensCount}, ${input.summary})
      ON CONFLICT (archive_id, item_id) WHERE (metadata ->> 'writer') = 'chat-archiver'
      DO UPDATE SET user_id = excluded.user_id, item_type = excluded.item_type, metadata = excluded.metadata,
                    mcp_analysis = excluded.mcp_analysis, tokens_count = excluded.tokens_count,
                    content_summary = excluded.content_summary
      RETURNING id`.execute(trx);
    const archiveItemId = item.rows[0]!.id;

    const totals = (
      await sql<{ items: number; tokens: string }>`
        SELECT count(*)::int AS items, coalesce(sum(tokens_count), 0)::bigint AS tokens
        FROM archive_item WHERE archive_id = ${row.id}`.execute(trx)
    ).rows[0]!;
    const mcpMetadata = archiveMcpMetadataSchema.parse({
      writer: ARCHIVE_WRITER,
      version: ARCHIVE_METADATA_VERSION,
      jobId: input.jobId,
      encoding: input.encoding,
      itemCount: totals.items,
      totals: { items: totals.items, tokens: Number(totals.tokens) },
      lastItem: { archiveItemId, threadId: input.threadId, messageCount: input.messageCount, tokens: input.tokensCount },
      analysis: digestAnalysis(input.analysis),
      checksum: { algorithm: 'sha256', value: input.file.sha256 },
      exportFormat: input.exportFormat,
      updatedAt: now,
    });
    await sql`
      UPDATE archive SET mcp_metadata = ${JSON.stringify(mcpMetadata)}, mcp_server_id = ${input.mcpServerId},
                         export_format = ${input.exportFormat}, storage_location = ${input.file.storageLocation},
                         file_size = ${input.file.fileSize}, updated_at = now()
      WHERE id = ${row.id}`.execute(trx);

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
