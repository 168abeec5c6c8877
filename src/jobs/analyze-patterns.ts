import { z } from 'zod';
import { shortDigest } from '../short-digest.ts';
import { defineJob } from './job-definition.ts';

export const MAX_PATTERN_RANGE_DAYS = 366;

export const analyzePatternsPayload = z
  .strictObject({
    range: z.strictObject({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) }),
    /** Only this user's conversations; absent = everyone (admin or schedule). */
    userId: z.uuid().optional(),
    /** Who asked (absent for the nightly schedule); only they may read the job. */
    requestedBy: z.uuid().optional(),
    trigger: z.enum(['tool', 'cli', 'schedule']).default('tool'),
  })
  .refine((p) => Date.parse(p.range.start) < Date.parse(p.range.end), { message: 'range.start must be before range.end', path: ['range'] })
  .refine((p) => Date.parse(p.range.end) - Date.parse(p.range.start) <= MAX_PATTERN_RANGE_DAYS * 86_400_000, {
    message: `the range may span at most ${MAX_PATTERN_RANGE_DAYS} days`,
    path: ['range'],
  });
export type AnalyzePatternsPayload = z.infer<typeof analyzePatternsPayload>;

export const analyzePatternsJob = defineJob<AnalyzePatternsPayload>({
  queue: 'analyze-patterns',
  payload: analyzePatternsPayload,
  queueOptions: {
    policy: 'exclusive',
    retryLimit: 3,
    retryDelay: 30,
    retryBackoff: true,
    retryDelayMax: 600,
    // A dead worker's analysis is retried after this, rather than after the hour of expiry.
    heartbeatSeconds: 30,
    expireInSeconds: 60 * 60,
    deleteAfterSeconds: 30 * 24 * 3600,
    notify: true,
  },
  // Who asked is part of the key: an admin's analysis of a user and that user's own request are two jobs, each
  // readable by its requester.
  singletonKey: (p) => shortDigest(['patterns', p.requestedBy ?? p.trigger, p.userId ?? 'all', new Date(p.range.start).toISOString(), new Date(p.range.end).toISOString()]),
});
