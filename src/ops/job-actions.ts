import type { Kysely } from 'kysely';
import { fromKysely, type Db, type PgBoss } from 'pg-boss';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { PGBOSS_SCHEMA } from '../db/schemas.ts';
import { findDeadLetterCopies, findServiceJob, jobIdsInState } from './job-queries.ts';
import type { JobState } from './job-states.ts';
import { serviceQueues, sourceOfDeadLetterQueue } from './service-queues.ts';
import type { SqlExecutor } from './sql-executor.ts';

export interface OpsContext {
  boss: PgBoss;
  /** The service role's connection: retries run in one of its transactions, through pg-boss's kysely adapter. */
  db: Kysely<Database>;
}

export interface RetryResult {
  /** Failed jobs put back in place (same id, so whoever holds the id follows the new attempt). */
  retried: Array<{ queue: string; id: string }>;
  /** Dead letters whose original job was gone, re-created in their source queue under a new id. */
  redriven: Array<{ deadLetterId: string; queue: string; newJobId: string | null }>;
  /** Dead-letter copies removed because their original job was retried in place. */
  removedDeadLetters: string[];
  /** Jobs left alone: another job with the same key is queued or running, so the queue policy refuses a second. */
  skipped: Array<{ queue: string; id: string; reason: string }>;
}

/** Why a job action changed nothing: no such job, a state that does not allow it, or a key another job holds. */
export class JobActionRefusal extends Error {
  override readonly name = 'JobActionRefusal';
  readonly reason: 'not-found' | 'not-allowed' | 'conflict';
  constructor(reason: JobActionRefusal['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

interface RetryPlan {
  inPlace: Array<{ queue: string; id: string }>;
  redrive: Array<{ deadLetterQueue: string; id: string; rootId: string | null }>;
}

/**
 * Retries one job: a failed job goes back to `retry` in place (and its dead-letter copy is removed, so the
 * failure is not retried twice); a dead letter retries its original when that still exists, else is redriven.
 */
export async function retryJob(ctx: OpsContext, id: string): Promise<RetryResult> {
  const found = await findServiceJob(ctx.boss, id);
  if (!found) throw new JobActionRefusal('not-found', `no job ${id} in the service's queues`);
  const { queue, job } = found;
  const source = sourceOfDeadLetterQueue(queue);
  if (source) {
    if (job.state !== 'created' && job.state !== 'retry') {
      throw new JobActionRefusal('not-allowed', `dead letter ${id} is ${job.state}: only waiting dead letters can be retried`);
    }
    return applyRetry(ctx, await planDeadLetters(ctx, queue, [{ id, sourceId: job.sourceId, rootId: job.sourceRootId }]));
  }
  if (job.state !== 'failed') {
    throw new JobActionRefusal('not-allowed', `job ${id} is ${job.state}: only failed jobs can be retried`);
  }
  return applyRetry(ctx, { inPlace: [{ queue, id }], redrive: [] });
}

/** Retries every failed job of a work queue, or every waiting dead letter of a dead-letter queue. */
export async function retryFailedJobs(ctx: OpsContext, queue: string): Promise<RetryResult> {
  const executor = ctx.boss.getDb();
  if (sourceOfDeadLetterQueue(queue)) {
    const { rows } = await executor.executeSql(
      `SELECT id, source_id, source_root_id FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry') ORDER BY created_on, id`,
      [queue],
    );
    const letters = rows
      .map((row) => z.object({ id: z.string(), source_id: z.string().nullable(), source_root_id: z.string().nullable() }).parse(row))
      .map((r) => ({ id: r.id, sourceId: r.source_id, rootId: r.source_root_id }));
    return applyRetry(ctx, await planDeadLetters(ctx, queue, letters));
  }
  const ids = await jobIdsInState(executor, queue, ['failed']);
  return applyRetry(ctx, { inPlace: ids.map((id) => ({ queue, id })), redrive: [] });
}

async function planDeadLetters(
  ctx: OpsContext,
  deadLetterQueue: string,
  letters: Array<{ id: string; sourceId: string | null; rootId: string | null }>,
): Promise<RetryPlan> {
  const source = sourceOfDeadLetterQueue(deadLetterQueue)!;
  const stillFailed = new Set(
    await idsInState(ctx.boss.getDb(), source.name, letters.flatMap((l) => (l.sourceId ? [l.sourceId] : [])), ['failed']),
  );
  const plan: RetryPlan = { inPlace: [], redrive: [] };
  for (const letter of letters) {
    if (letter.sourceId && stillFailed.has(letter.sourceId)) plan.inPlace.push({ queue: source.name, id: letter.sourceId });
    else plan.redrive.push({ deadLetterQueue, id: letter.id, rootId: letter.rootId });
  }
  return plan;
}

async function applyRetry(ctx: OpsContext, plan: RetryPlan): Promise<RetryResult> {
  try {
    return await ctx.db.transaction().execute((trx) => applyRetryIn(ctx.boss, fromKysely(trx), plan));
  } catch (error) {
    if (!isUniqueViolation(error) || plan.inPlace.length + plan.redrive.length === 1) throw asConflict(error);
  }
  // One job collides with a newer one of the same key: retry the others one by one, and report the collisions.
  const total: RetryResult = { retried: [], redriven: [], removedDeadLetters: [], skipped: [] };
  const single = [...plan.inPlace.map((job) => ({ inPlace: [job], redrive: [] })), ...plan.redrive.map((job) => ({ inPlace: [], redrive: [job] }))];
  for (const one of single) {
    try {
      const result = await ctx.db.transaction().execute((trx) => applyRetryIn(ctx.boss, fromKysely(trx), one));
      total.retried.push(...result.retried);
      total.redriven.push(...result.redriven);
      total.removedDeadLetters.push(...result.removedDeadLetters);
      total.skipped.push(...result.skipped);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const job = one.inPlace[0] ?? { queue: one.redrive[0]!.deadLetterQueue, id: one.redrive[0]!.id };
      total.skipped.push({ ...job, reason: 'another job with the same key is queued or running' });
    }
  }
  return total;
}

async function applyRetryIn(boss: PgBoss, db: Db, plan: RetryPlan): Promise<RetryResult> {
  const result: RetryResult = { retried: [], redriven: [], removedDeadLetters: [], skipped: [] };
  for (const { name: queue, deadLetterQueue } of serviceQueues) {
    const wanted = plan.inPlace.filter((j) => j.queue === queue).map((j) => j.id);
    if (wanted.length === 0) continue;
    // Lock what will change, so the report names exactly the jobs retried even if a worker or another operator races us.
    const ids = await idsInState(db, queue, wanted, ['failed'], true);
    if (ids.length === 0) continue;
    const options = { db };
    await boss.retry(queue, ids, options);
    result.retried.push(...ids.map((id) => ({ queue, id })));
    const copies = await findDeadLetterCopies(db, deadLetterQueue, ids);
    if (copies.length) {
      await boss.deleteJob(deadLetterQueue, copies.map((c) => c.id), options);
      result.removedDeadLetters.push(...copies.map((c) => c.id));
    }
  }
  for (const { name: destination, deadLetterQueue } of serviceQueues) {
    const letters = plan.redrive.filter((j) => j.deadLetterQueue === deadLetterQueue);
    if (letters.length === 0) continue;
    await boss.redrive(deadLetterQueue, { ids: letters.map((l) => l.id), limit: letters.length, db });
    const roots = letters.flatMap((l) => (l.rootId ? [l.rootId] : []));
    const { rows } = roots.length
      ? await db.executeSql(
          `SELECT id, source_root_id FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND source_root_id = ANY($2::uuid[]) AND state = 'created'`,
          [destination, roots],
        )
      : { rows: [] };
    const created = new Map(rows.map((row) => z.object({ id: z.string(), source_root_id: z.string() }).parse(row)).map((r) => [r.source_root_id, r.id]));
    const remaining = new Set(await idsInState(db, deadLetterQueue, letters.map((l) => l.id), ['created', 'retry']));
    for (const letter of letters) {
      if (remaining.has(letter.id)) {
        result.skipped.push({ queue: deadLetterQueue, id: letter.id, reason: 'another job with the same key is queued or running' });
      } else {
        result.redriven.push({ deadLetterId: letter.id, queue: destination, newJobId: (letter.rootId && created.get(letter.rootId)) || null });
      }
    }
  }
  return result;
}

/** Cancels a job that has not finished: waiting jobs will not run; a running job's result will not be recorded. */
export async function cancelJob(ctx: OpsContext, id: string): Promise<{ queue: string; previousState: JobState }> {
  const found = await findServiceJob(ctx.boss, id);
  if (!found) throw new JobActionRefusal('not-found', `no job ${id} in the service's queues`);
  const { queue, job } = found;
  if (job.state !== 'created' && job.state !== 'retry' && job.state !== 'active') {
    throw new JobActionRefusal('not-allowed', `job ${id} is already ${job.state}: nothing to cancel`);
  }
  const response = (await ctx.boss.cancel(queue, id)) as { affected?: number };
  if (response.affected !== 1) {
    const [now] = await ctx.boss.findJobs(queue, { id });
    throw new JobActionRefusal('not-allowed', `job ${id} changed state meanwhile (now ${now?.state ?? 'deleted'}): nothing cancelled`);
  }
  return { queue, previousState: job.state };
}

async function idsInState(db: SqlExecutor, queue: string, ids: readonly string[], states: readonly JobState[], lock = false): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.executeSql(
    `SELECT id FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[]) AND state::text = ANY($3::text[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`,
    [queue, ids, states],
  );
  return rows.map((row) => z.object({ id: z.string() }).parse(row).id);
}

function isUniqueViolation(error: unknown): boolean {
  const cause = (error as { cause?: unknown })?.cause;
  return (error as { code?: unknown })?.code === '23505' || (cause !== undefined && isUniqueViolation(cause));
}

function asConflict(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  return new JobActionRefusal('conflict', 'another job with the same key is already queued or running: nothing retried');
}
