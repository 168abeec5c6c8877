import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/database.ts';

export interface FinishedJobs {
  completed: number;
  failed: number;
  /** From the first job's start to the last job's completion, pg-boss's own timestamps (seconds). */
  seconds: number;
  /** Sum of the archive jobs' `tokensCount` outputs. */
  tokens: number;
}

/** Polls pg-boss's job table (as the owner) until every job of `queue` whose id is in `ids` has finished. */
export async function waitForJobs(owner: Kysely<Database>, queue: string, ids: readonly string[], timeoutMs: number): Promise<FinishedJobs> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ completed: number; failed: number; seconds: number | null; tokens: number | null }>`
      SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed,
             count(*) FILTER (WHERE state IN ('failed', 'cancelled'))::int AS failed,
             extract(epoch FROM max(completed_on) - min(started_on))::float8 AS seconds,
             sum((output->>'tokensCount')::bigint)::float8 AS tokens
      FROM pgboss.job WHERE name = ${queue} AND id = ANY(${ids}::uuid[])`.execute(owner);
    const row = rows[0]!;
    if (row.completed + row.failed >= ids.length) return { completed: row.completed, failed: row.failed, seconds: row.seconds ?? Number.NaN, tokens: row.tokens ?? 0 };
    if (Date.now() > deadline) throw new Error(`jobs of ${queue} not finished after ${timeoutMs} ms: ${JSON.stringify(row)} of ${ids.length}`);
    await sleep(200);
  }
}
