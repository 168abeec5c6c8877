import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';
import { jobStates } from './job-states.ts';
import type { SqlExecutor } from './sql-executor.ts';

export interface JobRef {
  queue: string;
  id: string;
}

export interface FollowProgress {
  total: number;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Deleted before we saw them finish (retention): counted as finished, outcome unknown. */
  gone: number;
  /** completed + failed + cancelled + gone */
  finished: number;
}

export interface FollowOptions {
  intervalMs?: number;
  /** Stop following (the jobs keep running) after this long; the last progress is returned. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?(progress: FollowProgress): void;
}

/** Polls the jobs' states until every one has finished (or the timeout / signal ends the wait). */
export async function followJobs(db: SqlExecutor, jobs: readonly JobRef[], options: FollowOptions = {}): Promise<FollowProgress & { done: boolean }> {
  const queues = [...new Set(jobs.map((j) => j.queue))];
  const ids = [...new Set(jobs.map((j) => j.id))];
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const progress = await readProgress(db, queues, ids);
    options.onProgress?.(progress);
    const done = progress.finished === progress.total;
    if (done || Date.now() >= deadline || options.signal?.aborted) return { ...progress, done };
    try {
      await sleep(Math.min(options.intervalMs ?? 1000, Math.max(0, deadline - Date.now())), undefined, { signal: options.signal });
    } catch {
      // aborted: report where things stand
    }
  }
}

const row = z.object({ state: z.enum(jobStates), count: z.coerce.number() });

async function readProgress(db: SqlExecutor, queues: string[], ids: string[]): Promise<FollowProgress> {
  const { rows } = await db.executeSql(
    `SELECT state::text AS state, count(*) AS count FROM ${PGBOSS_SCHEMA}.job WHERE name = ANY($1::text[]) AND id = ANY($2::uuid[]) GROUP BY state`,
    [queues, ids],
  );
  const by = Object.fromEntries(rows.map((r) => row.parse(r)).map((r) => [r.state, r.count])) as Partial<Record<(typeof jobStates)[number], number>>;
  const seen = Object.values(by).reduce((a, b) => a + b, 0);
  const completed = by.completed ?? 0;
  const failed = by.failed ?? 0;
  const cancelled = by.cancelled ?? 0;
  const gone = ids.length - seen;
  return {
    total: ids.length,
    waiting: (by.created ?? 0) + (by.retry ?? 0),
    active: by.active ?? 0,
    completed,
    failed,
    cancelled,
    gone,
    finished: completed + failed + cancelled + gone,
  };
}
