import { z } from 'zod';
import { defineJob } from './job-definition.ts';
import { SCHEDULED_TRIGGER_QUEUE_OPTIONS } from './scheduled-trigger.ts';

/**
 * The target of the nightly cron schedule. A schedule can only send fixed data, while the analysis needs the
 * previous day's range: this job computes it from its own creation time (so a late or retried run still analyses
 * the day it was scheduled for) and enqueues `analyze-patterns`.
 */
export const nightlyPatternsPayload = z.strictObject({});
export type NightlyPatternsPayload = z.infer<typeof nightlyPatternsPayload>;

export const NIGHTLY_SCHEDULE_KEY = 'nightly';

export const nightlyPatternsJob = defineJob<NightlyPatternsPayload>({
  queue: 'analyze-patterns-nightly',
  payload: nightlyPatternsPayload,
  queueOptions: { ...SCHEDULED_TRIGGER_QUEUE_OPTIONS, expireInSeconds: 5 * 60 },
  singletonKey: () => NIGHTLY_SCHEDULE_KEY,
});
