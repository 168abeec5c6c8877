import { z } from 'zod';
import { exportFormats } from '../export/export-types.ts';
import { shortDigest } from '../short-digest.ts';
import { archiveDescriptionSchema, archiveNameSchema } from './archive-naming.ts';
import { defineJob } from './job-definition.ts';

export const archiveConversationPayload = z.strictObject({
  threadId: z.uuid(),
  name: archiveNameSchema,
  description: archiveDescriptionSchema.optional(),
  exportFormat: z.enum(exportFormats),
  /** Add the thread to this existing archive (of the same user) instead of creating one. */
  archiveId: z.uuid().optional(),
  /** The user the job acts for: the thread (and archive) must be theirs. */
  requestedBy: z.uuid(),
  /** Set when the job is one thread of an `archive-conversations` request: that job's id. */
  parentJobId: z.uuid().optional(),
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

/** How archive jobs retry: transient failures (database, disk) back off from 5 s up to 5 minutes, 4 times. */
export const ARCHIVE_RETRY_POLICY = { retryLimit: 4, retryDelay: 5, retryBackoff: true, retryDelayMax: 300 } as const;

export const archiveConversationJob = defineJob<ArchiveConversationPayload>({
  queue: 'archive-conversation',
  payload: archiveConversationPayload,
  queueOptions: {
    // One queued-or-active job per key: the same request twice makes one job.
    policy: 'exclusive',
    ...ARCHIVE_RETRY_POLICY,
    // A running job's worker refreshes its heartbeat every 15 s; a job whose worker died (kill -9, lost host) is
    // retried once the heartbeat is this old (plus the supervisor's pass), not after the whole expiry.
    heartbeatSeconds: 30,
    // The hard bound even for a live worker: a 100,000-message thread takes seconds to a minute.
    expireInSeconds: 30 * 60,
    deleteAfterSeconds: 7 * 24 * 3600,
    notify: true,
  },
  singletonKey: (p) =>
    shortDigest(['archive', p.requestedBy, p.threadId, p.archiveId ?? `new:${p.name}`, p.exportFormat]),
});
