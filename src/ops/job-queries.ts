import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';
import { jobStates, type JobState } from './job-states.ts';
import { allServiceQueueNames } from './service-queues.ts';
import { findJobById, type FoundJob } from '../jobs/job-lookup.ts';
import type { SqlExecutor } from './sql-executor.ts';

export interface JobSummary {
  id: string;
  queue: string;
  state: JobState;
  /** Attempts started so far (a job waiting for its first run has 0). */
  attempts: number;
  maxAttempts: number;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
  data: unknown;
  /** The job's output: its result, or its error when it failed. */
  output: unknown;
  /** For a dead letter: the error of the job it copies. */
  sourceOutput: unknown;
}

const date = z.coerce.date();
const summaryRow = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(jobStates),
  retry_count: z.coerce.number(),
  retry_limit: z.coerce.number(),
  created_on: date,
  started_on: date.nullable(),
  completed_on: date.nullable(),
  data: z.unknown(),
  output: z.unknown(),
  source_output: z.unknown(),
});

export interface ListJobsOptions {
  /** Defaults to every service queue, dead-letter queues included. */
  queues?: readonly string[];
  state?: JobState;
  limit: number;
}

/** The newest jobs first (pg-boss's findJobs lists oldest first and cannot filter by state). */
export async function listJobs(db: SqlExecutor, options: ListJobsOptions): Promise<JobSummary[]> {
  const { rows } = await db.executeSql(
    `SELECT id, name, state::text AS state, retry_count, retry_limit, created_on, started_on, completed_on, data, output, source_output
      FROM ${PGBOSS_SCHEMA}.job
      WHERE name = ANY($1::text[]) AND ($2::text IS NULL OR state = $2::${PGBOSS_SCHEMA}.job_state)
      ORDER BY created_on DESC, id
      LIMIT $3`,
    [options.queues ?? allServiceQueueNames, options.state ?? null, options.limit],
  );
  return rows.map((raw) => {
    const row = summaryRow.parse(raw);
    return {
      id: row.id,
      queue: row.name,
      state: row.state,
      attempts: attemptsStarted(row.retry_count, row.started_on),
      maxAttempts: row.retry_limit + 1,
      createdOn: row.created_on,
      startedOn: row.started_on,
      completedOn: row.completed_on,
      data: row.data,
      output: row.output,
      sourceOutput: row.source_output,
    };
  });
}

/** pg-boss counts retries, bumped when a later attempt is claimed; the first attempt leaves it at 0. */
export function attemptsStarted(retryCount: number, startedOn: Date | null): number {
  return startedOn ? retryCount + 1 : retryCount;
}

/** A job by id in any service queue, or undefined. */
export function findServiceJob(boss: PgBoss, id: string): Promise<FoundJob | undefined> {
  return findJobById(boss, id, allServiceQueueNames);
}

/** Dead letters (still waiting) that copy the given failed jobs. */
export async function findDeadLetterCopies(db: SqlExecutor, deadLetterQueue: string, sourceIds: readonly string[]): Promise<Array<{ id: string; sourceId: string }>> {
  if (sourceIds.length === 0) return [];
  const { rows } = await db.executeSql(
    `SELECT id, source_id FROM ${PGBOSS_SCHEMA}.job
      WHERE name = $1 AND source_id = ANY($2::uuid[]) AND state IN ('created', 'retry')`,
    [deadLetterQueue, sourceIds],
  );
  return rows.map((row) => z.object({ id: z.string(), source_id: z.string() }).parse(row)).map((r) => ({ id: r.id, sourceId: r.source_id }));
}

/** Ids of the jobs of one queue in one state, oldest first. */
export async function jobIdsInState(db: SqlExecutor, queue: string, states: readonly JobState[]): Promise<string[]> {
  const { rows } = await db.executeSql(
    `SELECT id FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND state::text = ANY($2::text[]) ORDER BY created_on, id`,
    [queue, states],
  );
  return rows.map((row) => z.object({ id: z.string() }).parse(row).id);
}

/** The current state (and output) of given jobs; jobs already deleted are absent. */
export async function jobOutcomes(db: SqlExecutor, queues: readonly string[], ids: readonly string[]): Promise<Map<string, { state: JobState; output: unknown }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.executeSql(
    `SELECT id, state::text AS state, output FROM ${PGBOSS_SCHEMA}.job WHERE name = ANY($1::text[]) AND id = ANY($2::uuid[])`,
    [queues, ids],
  );
  const row = z.object({ id: z.string(), state: z.enum(jobStates), output: z.unknown() });
  return new Map(rows.map((r) => row.parse(r)).map((r) => [r.id, { state: r.state, output: r.output }]));
}
