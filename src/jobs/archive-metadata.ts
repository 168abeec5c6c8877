import { z } from 'zod';
import type { ConversationAnalysis } from '../analysis/conversation-analysis.ts';
import { exportFormats } from '../export/export-types.ts';

// The JSON the worker writes into the host's archive tables: `archive.mcp_metadata` and
// `archive_item.metadata`. Parsed with these schemas before writing, and wherever they are read back.

export const ARCHIVE_METADATA_VERSION = 1;
/** Marks rows the service wrote; the unique index on (archive_id, item_id) covers only these. */
export const ARCHIVE_WRITER = 'chat-archiver';

const count = z.number().int().nonnegative();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const archiveItemMetadataSchema = z.object({
  writer: z.literal(ARCHIVE_WRITER),
  version: z.literal(ARCHIVE_METADATA_VERSION),
  jobId: z.string().min(1),
  threadTitle: z.string(),
  messageCount: count,
  /** Token encoding of `tokens_count`. */
  encoding: z.string().min(1),
  export: z.object({ format: z.enum(exportFormats), storageLocation: z.string().min(1), fileSize: count, sha256 }),
  archivedAt: z.iso.datetime(),
});
export type ArchiveItemMetadata = z.infer<typeof archiveItemMetadataSchema>;

const analysisDigestSchema = z.object({
  messageCount: count,
  roles: z.record(z.string(), count),
  tokensByRole: z.record(z.string(), count),
  firstMessageAt: z.iso.datetime().nullable(),
  lastMessageAt: z.iso.datetime().nullable(),
  models: z.array(z.object({ provider: z.string().nullable(), model: z.string().nullable(), messages: count })),
  toolCalls: z.object({ total: count, errors: count }),
  topTools: z.array(z.object({ name: z.string(), calls: count, errors: count })),
  agents: count,
  language: z.string(),
});

export const archiveMcpMetadataSchema = z.object({
  writer: z.literal(ARCHIVE_WRITER),
  version: z.literal(ARCHIVE_METADATA_VERSION),
  /** The job that last wrote the archive. */
  jobId: z.string().min(1),
  encoding: z.string().min(1),
  itemCount: count,
  /** Over every item of the archive. */
  totals: z.object({ items: count, tokens: count }),
  /** The item the last job wrote, which the archive's export columns describe. */
  lastItem: z.object({ archiveItemId: z.uuid(), threadId: z.uuid(), messageCount: count, tokens: count }),
  analysis: analysisDigestSchema,
  checksum: z.object({ algorithm: z.literal('sha256'), value: sha256 }),
  exportFormat: z.enum(exportFormats),
  updatedAt: z.iso.datetime(),
});
export type ArchiveMcpMetadata = z.infer<typeof archiveMcpMetadataSchema>;

const TOP = 5;

/** The part of a conversation analysis worth repeating on the archive row. */
export function digestAnalysis(analysis: ConversationAnalysis): z.infer<typeof analysisDigestSchema> {
  return {
    messageCount: analysis.messageCount,
    roles: analysis.roles,
    tokensByRole: analysis.tokens.byRole,
    firstMessageAt: analysis.firstMessageAt,
    lastMessageAt: analysis.lastMessageAt,
    models: analysis.models.slice(0, TOP).map(({ provider, model, messages }) => ({ provider, model, messages })),
    toolCalls: { total: analysis.toolCalls.total, errors: analysis.toolCalls.errors },
    topTools: analysis.tools.slice(0, TOP).map(({ name, calls, errors }) => ({ name, calls, errors })),
    agents: analysis.agents.length,
    language: analysis.language.language,
  };
}
