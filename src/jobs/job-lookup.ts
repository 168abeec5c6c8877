import type { JobWithMetadata, PgBoss } from 'pg-boss';
import type { JobDefinition } from './job-definition.ts';

export interface FoundJob {
  queue: string;
  job: JobWithMetadata<unknown>;
}

/** Looks a job id up in the given queues (one indexed query per queue, in parallel). */
export async function findJobById(
  boss: PgBoss,
  jobId: string,
  definitions: ReadonlyArray<Pick<JobDefinition<unknown>, 'queue'>>,
): Promise<FoundJob | undefined> {
  const found = await Promise.all(
    definitions.map(async (def) => {
      const [job] = await boss.findJobs<unknown>(def.queue, { id: jobId, limit: 1 });
      return job ? { queue: def.queue, job } : undefined;
    }),
  );
  return found.find((f) => f !== undefined);
}
