import { z } from 'zod';
import { defineJob } from './job-definition.ts';
import { SCHEDULED_TRIGGER_QUEUE_OPTIONS } from './scheduled-trigger.ts';

/**
 * The target of the retention schedule (AUTO_ARCHIVE_CRON). A schedule can only send fixed data: the job takes the
 * night it stands for from its own creation time, so a late or retried run still uses that night's cut-off and month.
 */
export const autoArchivePayload = z.strictObject({});
export type AutoArchivePayload = z.infer<typeof autoArchivePayload>;

export const AUTO_ARCHIVE_SCHEDULE_KEY = 'retention';
/** One job per UTC day at most, whatever the number of workers or of schedule occurrences that day. */
export const AUTO_ARCHIVE_SINGLETON = { singletonKey: 'auto-archive-night', singletonSeconds: 24 * 3600 } as const;

export const autoArchiveJob = defineJob<AutoArchivePayload>({
  queue: 'auto-archive',
  payload: autoArchivePayload,
  queueOptions: { ...SCHEDULED_TRIGGER_QUEUE_OPTIONS, expireInSeconds: 15 * 60 },
  singletonKey: () => AUTO_ARCHIVE_SINGLETON.singletonKey,
});
