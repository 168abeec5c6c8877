import { z } from 'zod';
import { defineJob } from './job-definition.ts';

/** The export garbage collection, on EXPORT_GC_CRON (hourly by default) or by hand. */
export const exportGcPayload = z.strictObject({ trigger: z.enum(['schedule', 'manual']).optional() });
export type ExportGcPayload = z.infer<typeof exportGcPayload>;

export const EXPORT_GC_SCHEDULE_KEY = 'export-gc';

export const exportGcJob = defineJob<ExportGcPayload>({
  queue: 'export-gc',
  payload: exportGcPayload,
  queueOptions: {
    // One collection at a time among all workers; a trigger while one is queued or running is dropped.
    policy: 'exclusive',
    retryLimit: 2,
    retryDelay: 60,
    retryBackoff: true,
    expireInSeconds: 30 * 60,
    deleteAfterSeconds: 7 * 24 * 3600,
    notify: true,
  },
  singletonKey: () => EXPORT_GC_SCHEDULE_KEY,
});
