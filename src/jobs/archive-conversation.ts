import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JobDefinition } from './job-definition.ts';

export const exportFormats = ['json', 'markdown', 'pdf'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const archiveConversationPayload = z.strictObject({
  threadId: z.uuid(),
  name: z.string().trim().min(1).max(255),
  description: z.string().trim().max(2000).optional(),
  exportFormat: z.enum(exportFormats),
  /** Add the thread to this existing archive (of the same user) instead of creating one. */
  archiveId: z.uuid().optional(),
  /** The user the job acts for: the thread (and archive) must be theirs. */
  requestedBy: z.uuid(),
});
export type ArchiveConversationPayload = z.infer<typeof archiveConversationPayload>;

/** The job's output once completed, as `get_job` shows it. */
export const archiveConversationOutput = z.object({
  archiveId: z.uuid(),
  archiveItemId: z.uuid(),
  tokensCount: z.number().int().nonnegative(),
  storageLocation: z.string().min(1),
  fileSize: z.number().int().nonnegative(),
});
export type ArchiveConversationOutput = z.infer<typeof archiveConversationOutput>;

export const archiveConversationJob: JobDefinition<ArchiveConversationPayload> = {
  queue: 'archive-conversation',
  deadLetterQueue: 'archive-conversation-dead-letter',
  payload: archiveConversationPayload,
  queueOptions: {
    // One queued-or-active job per key: the same request twice makes one job.
    policy: 'exclusive',
    retryLimit: 4,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    // A 100,000-message thread takes minutes; past this the job is retried, not lost.
    expireInSeconds: 30 * 60,
    deleteAfterSeconds: 7 * 24 * 3600,
    notify: true,
  },
  singletonKey: (p) =>
    digest(['archive', p.requestedBy, p.threadId, p.archiveId ?? `new:${p.name}`, p.exportFormat]),
};

export function digest(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
}
