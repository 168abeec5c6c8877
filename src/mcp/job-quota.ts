import type { PgBoss } from 'pg-boss';
import type { McpLimitsConfig } from '../config.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import { enqueue, type EnqueueResult } from '../jobs/registry.ts';
import { countOpenJobsRequestedBy } from '../sql/queued-jobs.ts';
import type { ToolContext } from './tool-definition.ts';
import { ToolError } from './tool-error.ts';

/** The cap on one user's queued + active jobs in `queue`. */
export function jobQuotaOf(limits: McpLimitsConfig, queue: string): number {
  return limits.jobsPerUser.byQueue[queue] ?? limits.jobsPerUser.otherQueues;
}

// Check-then-send per user and queue runs one at a time in this process, so that concurrent calls of one user
// cannot all pass the count before any of them has sent its job.
const pendingChecks = new Map<string, Promise<unknown>>();

/**
 * Enqueues a job for the caller within their quota of queued + active jobs in that queue: the one way a tool
 * creates a job. Admin tokens are not limited (nor is the nightly schedule, which does not go through tools). A
 * request identical to one already pending returns that job (deduplicated) even at the cap.
 */
export async function enqueueWithinQuota<P>({ caller, deps }: Pick<ToolContext, 'caller' | 'deps'>, def: JobDefinition<P>, input: unknown): Promise<EnqueueResult> {
  if (caller.admin) return enqueue(deps.boss, def, input);
  const key = `${caller.userId}\u0000${def.queue}`;
  const previous = pendingChecks.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => {}).then(async () => {
    const payload = def.payload.parse(input);
    const quota = jobQuotaOf(deps.limits, def.queue);
    const open = await countOpenJobsRequestedBy(deps.db, def.queue, caller.userId);
    if (open >= quota) {
      const pending = await pendingJobWithKey(deps.boss, def.queue, def.singletonKey(payload));
      if (pending) return { jobId: pending, deduplicated: true };
      throw new ToolError(
        'limited',
        `job quota reached: you have ${open} ${def.queue} jobs queued or running, the limit is ${quota} per user; ` +
          'wait for some to finish (poll get_job) and try again',
      );
    }
    return enqueue(deps.boss, def, payload);
  });
  pendingChecks.set(key, mine);
  try {
    return await mine;
  } finally {
    if (pendingChecks.get(key) === mine) pendingChecks.delete(key);
  }
}

async function pendingJobWithKey(boss: PgBoss, queue: string, key: string): Promise<string | undefined> {
  const [queued] = await boss.findJobs(queue, { key, queued: true, limit: 1 });
  if (queued) return queued.id;
  return (await boss.findJobs(queue, { key, limit: 100 })).find((job) => job.state === 'active')?.id;
}
