import type { JobWithMetadata, PgBoss } from 'pg-boss';

export interface FoundJob {
  queue: string;
  job: JobWithMetadata<unknown>;
}

/** Looks a job id up in the given queues (one indexed query per queue, in parallel); the first queue listed wins. */
export async function findJobById(boss: PgBoss, jobId: string, queues: readonly string[]): Promise<FoundJob | undefined> {
  const found = await Promise.all(
    queues.map(async (queue) => {
      const [job] = await boss.findJobs<unknown>(queue, { id: jobId, limit: 1 });
      return job ? { queue, job } : undefined;
    }),
  );
  return found.find((f) => f !== undefined);
}
