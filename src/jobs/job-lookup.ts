import type { JobWithMetadata, PgBoss } from 'pg-boss';
import { jobDefinitions } from './registry.ts';

export interface FoundJob {
  queue: string;
  job: JobWithMetadata<unknown>;
}

/** Looks a job id up in every queue the service owns (one indexed query per queue, in parallel). */
export async function findJobById(boss: PgBoss, jobId: string): Promise<FoundJob | undefined> {
  const found = await Promise.all(
    jobDefinitions.map(async (def) => {
      const [job] = await boss.findJobs<unknown>(def.queue, { id: jobId, limit: 1 });
      return job ? { queue: def.queue, job } : undefined;
    }),
  );
  return found.find((f) => f !== undefined);
}
