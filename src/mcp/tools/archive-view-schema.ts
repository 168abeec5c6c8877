import { z } from 'zod';

/** The published shape of an archive as list_archives and get_archive return it (see archive-reads.ts). */
export const archiveSummaryShape = {
  archiveId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  itemCount: z.number().int(),
  tokens: z.number().int().nullable(),
  exportFormat: z.string().nullable(),
  exportLocation: z.string().nullable().describe("The export's location inside the export store (not a server path)"),
  downloadUrl: z.string().nullable().describe('A signed link that downloads the export in a browser, until downloadExpiresAt'),
  downloadExpiresAt: z.string().nullable(),
  fileSize: z.number().nullable(),
  mcpServerId: z.string().nullable(),
  mcpMetadata: z.record(z.string(), z.unknown()).nullable(),
};

export const archiveItemShape = {
  itemId: z.string(),
  threadId: z.string(),
  threadTitle: z.string().nullable(),
  itemType: z.string(),
  addedAt: z.string(),
  tokens: z.number().int().nullable(),
  summary: z.string().nullable(),
  analysis: z.record(z.string(), z.unknown()).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
};
