import type { JobDefinition } from './job-definition.ts';

/**
 * Queue options of a job a nightly cron schedule sends. pg-boss already sends each cron occurrence once however many
 * workers run the schedule; exclusive also keeps a second trigger out while one is queued or running. Retries back
 * off up to 10 minutes; finished triggers are kept a month, so `jobs list` shows the past nights.
 */
export const SCHEDULED_TRIGGER_QUEUE_OPTIONS = {
  policy: 'exclusive',
  retryLimit: 5,
  retryDelay: 10,
  retryBackoff: true,
  retryDelayMax: 600,
  deleteAfterSeconds: 30 * 24 * 3600,
  notify: true,
} as const satisfies JobDefinition<unknown>['queueOptions'];
