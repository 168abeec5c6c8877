import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ARCHIVE_RETRY_POLICY } from './archive-conversation.ts';
import { exportFormats } from '../export/export-types.ts';
import { shortDigest } from '../short-digest.ts';
import { archiveDescriptionSchema, archiveNameSchema } from './archive-naming.ts';
import { defineJob } from './job-definition.ts';

/** The most threads one request puts into one archive. */
export const MAX_THREADS_PER_REQUEST = 500;

/**
 * Many threads into one archive: this parent job creates (or checks) the archive, then enqueues one
 * `archive-conversation` job per thread, so the threads run in parallel and retry separately. `get_job` on the
 * parent counts the items written.
 */
export const archiveConversationsPayload = z.strictObject({
  threadIds: z.array(z.uuid()).min(1).max(MAX_THREADS_PER_REQUEST),
  name: archiveNameSchema,
  description: archiveDescriptionSchema.optional(),
  exportFormat: z.enum(exportFormats),
  archiveId: z.uuid().optional(),
  requestedBy: z.uuid(),
  /** Who asked: a tool call, the CLI, or the retention schedule (shown in logs). */
  trigger: z.enum(['tool', 'cli', 'schedule']).default('tool'),
});
export type ArchiveConversationsPayload = z.infer<typeof archiveConversationsPayload>;

export const archiveConversationsOutput = z.object({
  archiveId: z.uuid(),
  total: z.number().int(),
  enqueued: z.number().int(),
  alreadyArchived: z.number().int(),
});
export type ArchiveConversationsOutput = z.infer<typeof archiveConversationsOutput>;

export const archiveConversationsJob = defineJob<ArchiveConversationsPayload>({
  queue: 'archive-conversations',
  payload: archiveConversationsPayload,
  queueOptions: {
    policy: 'exclusive',
    ...ARCHIVE_RETRY_POLICY,
    expireInSeconds: 10 * 60,
    deleteAfterSeconds: 7 * 24 * 3600,
    notify: true,
  },
  singletonKey: (p) =>
    shortDigest(['archive-many', p.requestedBy, p.archiveId ?? `new:${p.name}`, p.exportFormat, threadSetDigest(p.threadIds)]),
});

function threadSetDigest(threadIds: readonly string[]): string {
  return createHash('sha256').update([...new Set(threadIds)].sort().join(',')).digest('base64url');
}
