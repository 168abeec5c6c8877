import { z } from 'zod';
import { defineJob } from './job-definition.ts';

/** One pass of the conversation search index: sent by the SEARCH_INDEX_CRON schedule, or by `search-index rebuild`. */
export const searchIndexPayload = z.strictObject({
  trigger: z.enum(['schedule', 'rebuild']).default('schedule'),
});
export type SearchIndexPayload = z.infer<typeof searchIndexPayload>;

export const SEARCH_INDEX_SCHEDULE_KEY = 'search-index';

export const searchIndexJob = defineJob<SearchIndexPayload>({
  queue: 'search-index',
  payload: searchIndexPayload,
  queueOptions: {
    // One pass at a time, whatever the number of workers: an occurrence sent while a pass (a long backfill) runs
    // is dropped, and the running pass indexes those messages anyway.
    policy: 'exclusive',
    retryLimit: 3,
    retryDelay: 10,
    retryBackoff: true,
    retryDelayMax: 300,
    // A dead worker's pass is retried within a minute (the pass resumes from the stored watermark).
    heartbeatSeconds: 30,
    // A backfill of millions of messages takes minutes; a pass that still runs after an hour is stuck.
    expireInSeconds: 60 * 60,
    // A pass every minute: keep a day of them for ops, not weeks.
    deleteAfterSeconds: 24 * 3600,
    notify: true,
  },
  singletonKey: () => SEARCH_INDEX_SCHEDULE_KEY,
});
