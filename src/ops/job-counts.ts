import { z } from 'zod';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';
import { jobStates, type JobState } from './job-states.ts';
import { allServiceQueueNames, serviceQueues } from './service-queues.ts';
import type { SqlExecutor } from './sql-executor.ts';

export interface QueueOverview {
  queue: string;
  deadLetterQueue: string;
  queued: number;
  active: number;
  retrying: number;
  failed: number;
  completedLast24h: number;
  /** Jobs waiting in the dead-letter queue (not yet redriven, retried or cancelled). */
  deadLetters: number;
  /** Age of the oldest job waiting to run (queued or retrying), measured by the database clock. */
  oldestWaitingSeconds: number | null;
}

const count = z.coerce.number().int();
const overviewRow = z.object({
  name: z.string(),
  queued: count,
  active: count,
  retrying: count,
  failed: count,
  completed_24h: count,
  waiting_age_s: z.coerce.number().nullable(),
});

/**
 * Fresh counts per queue, straight from the job table: pg-boss's getQueues()/getQueueStats() serve cached counts
 * (up to a minute old) and have neither "completed in the last 24 h" nor "retrying" nor the oldest waiting job.
 */
export async function readQueueOverview(db: SqlExecutor): Promise<QueueOverview[]> {
  const { rows } = await db.executeSql(
    `SELECT name,
        count(*) FILTER (WHERE state = 'created') AS queued,
        count(*) FILTER (WHERE state = 'active') AS active,
        count(*) FILTER (WHERE state = 'retry') AS retrying,
        count(*) FILTER (WHERE state = 'failed') AS failed,
        count(*) FILTER (WHERE state = 'completed' AND completed_on > now() - interval '24 hours') AS completed_24h,
        extract(epoch FROM now() - min(created_on) FILTER (WHERE state IN ('created', 'retry'))) AS waiting_age_s
      FROM ${PGBOSS_SCHEMA}.job
      WHERE name = ANY($1::text[])
      GROUP BY name`,
    [allServiceQueueNames],
  );
  const byName = new Map(rows.map((row) => overviewRow.parse(row)).map((row) => [row.name, row]));
  return serviceQueues.map(({ name, deadLetterQueue }) => {
    const row = byName.get(name);
    const dead = byName.get(deadLetterQueue);
    return {
      queue: name,
      deadLetterQueue,
      queued: row?.queued ?? 0,
      active: row?.active ?? 0,
      retrying: row?.retrying ?? 0,
      failed: row?.failed ?? 0,
      completedLast24h: row?.completed_24h ?? 0,
      // A dead letter waits in the created (or retry) state until someone acts on it.
      deadLetters: (dead?.queued ?? 0) + (dead?.retrying ?? 0),
      oldestWaitingSeconds: row?.waiting_age_s ?? null,
    };
  });
}

export interface JobStateCount {
  queue: string;
  state: JobState;
  count: number;
  /** Age of the oldest job of this queue in this state (database clock), null when there is none. */
  oldestSeconds: number | null;
}

const stateRow = z.object({ name: z.string(), state: z.enum(jobStates), count, oldest_s: z.coerce.number().nullable() });

/** Jobs stored per queue and state, for the metrics gauges; every (queue, state) pair is present, zeros included. */
export async function countJobsByState(db: SqlExecutor): Promise<JobStateCount[]> {
  const { rows } = await db.executeSql(
    `SELECT name, state::text AS state, count(*) AS count, extract(epoch FROM now() - min(created_on)) AS oldest_s
      FROM ${PGBOSS_SCHEMA}.job WHERE name = ANY($1::text[]) GROUP BY name, state`,
    [allServiceQueueNames],
  );
  const found = new Map(rows.map((row) => stateRow.parse(row)).map((row) => [`${row.name}\u0000${row.state}`, row]));
  return allServiceQueueNames.flatMap((queue) =>
    jobStates.map((state) => {
      const row = found.get(`${queue}\u0000${state}`);
      return { queue, state, count: row?.count ?? 0, oldestSeconds: row?.oldest_s ?? null };
    }),
  );
}
