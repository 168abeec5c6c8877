import { z } from 'zod';
import type { JobDefinition } from './job-definition.ts';

/**
 * The target of the nightly cron schedule. A schedule can only send fixed data, while the analysis needs the
 * previous day's range: this job computes it from its own creation time (so a late or retried run still analyses
 * the day it was scheduled for) and enqueues `analyze-patterns`.
 */
export const nightlyPatternsPayload = z.strictObject({});
export type NightlyPatternsPayload = z.infer<typeof nightlyPatternsPayload>;

export const NIGHTLY_SCHEDULE_KEY = 'nightly';

export const nightlyPatternsJob: JobDefinition<NightlyPatternsPayload> = {
  queue: 'analyze-patterns-nightly',
  deadLetterQueue: 'analyze-patterns-nightly-dead-letter',
  payload: nightlyPatternsPayload,
  queueOptions: {
    // pg-boss already sends each cron occurrence once however many workers run the schedule; exclusive also
    // keeps a second trigger out while one is queued or running.
    policy: 'exclusive',
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
    retryDelayMax: 600,
    expireInSeconds: 5 * 60,
    deleteAfterSeconds: 30 * 24 * 3600,
    notify: true,
  },
  singletonKey: () => NIGHTLY_SCHEDULE_KEY,
};
