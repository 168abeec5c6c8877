import type { PgBoss } from 'pg-boss';
import { previousDayRange } from '../analysis/day-range.ts';
import { analyzePatternsJob } from './analyze-patterns.ts';
import type { JobHandler } from './job-handler.ts';
import type { NightlyPatternsPayload } from './nightly-patterns.ts';
import { enqueue } from './registry.ts';

export interface NightlyPatternsOutput {
  analyzeJobId: string;
  deduplicated: boolean;
  range: { start: string; end: string };
}

/**
 * Turns one nightly schedule occurrence into an `analyze-patterns` job for the previous day (in `timeZone`), taken
 * from the occurrence's creation time. The analysis queue's singleton key (scope + range) collapses a repeat.
 */
export function createNightlyPatternsHandler(deps: { boss: PgBoss; timeZone: string }): JobHandler<NightlyPatternsPayload, NightlyPatternsOutput> {
  return async (_payload, context) => {
    const day = previousDayRange(context.createdOn, deps.timeZone);
    const range = { start: day.start.toISOString(), end: day.end.toISOString() };
    const { jobId, deduplicated } = await enqueue(deps.boss, analyzePatternsJob, { range, trigger: 'schedule' });
    context.log.info({ analyzeJobId: jobId, deduplicated, range }, 'nightly pattern analysis enqueued');
    return { analyzeJobId: jobId, deduplicated, range };
  };
}
