import { z } from 'zod';
import { exportFormats } from '../export/export-types.ts';
import { shortDigest } from '../short-digest.ts';
import { ARCHIVE_RETRY_POLICY } from './archive-conversation.ts';
import type { JobDefinition } from './job-definition.ts';

export const exportArchivePayload = z.strictObject({
  archiveId: z.uuid(),
  /** The format every item is exported in inside the ZIP. */
  format: z.enum(exportFormats),
  /** The user the job acts for: the archive must be theirs. */
  requestedBy: z.uuid(),
});
export type ExportArchivePayload = z.infer<typeof exportArchivePayload>;

/** The job's output once completed, as `get_job` shows it (with the location as a store key and a link). */
export const exportArchiveOutput = z.object({
  archiveId: z.uuid(),
  format: z.enum(exportFormats),
  exportFormat: z.literal('zip'),
  storageLocation: z.string().min(1),
  fileSize: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Item files in the ZIP (the manifest not counted). */
  fileCount: z.number().int().nonnegative(),
  /** Items that could not be exported (listed with their reason in the manifest). */
  skippedCount: z.number().int().nonnegative(),
});
export type ExportArchiveOutput = z.infer<typeof exportArchiveOutput>;

export const exportArchiveJob: JobDefinition<ExportArchivePayload> = {
  queue: 'export-archive',
  deadLetterQueue: 'export-archive-dead-letter',
  payload: exportArchivePayload,
  queueOptions: {
    // One queued-or-active job per (user, archive, format): the same request while one is pending is that job.
    policy: 'exclusive',
    ...ARCHIVE_RETRY_POLICY,
    heartbeatSeconds: 30,
    expireInSeconds: 60 * 60,
    deleteAfterSeconds: 7 * 24 * 3600,
    notify: true,
  },
  singletonKey: (p) => shortDigest(['export-archive', p.requestedBy, p.archiveId, p.format]),
};
