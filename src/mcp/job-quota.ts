import { fromKysely, type PgBoss } from 'pg-boss';
import type { Transaction } from 'kysely';
import type { McpLimitsConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import { enqueue, type EnqueueResult } from '../jobs/registry.ts';
import { countOpenJobsRequestedBy } from '../sql/queued-jobs.ts';
import type { ToolContext } from './tool-definition.ts';
import { ToolError } from './tool-error.ts';

/** The cap on one user's queued + active jobs in `queue`. */
export function jobQuotaOf(limits: McpLimitsConfig, queue: string): number {
  return limits.jobsPerUser.byQueue[queue] ?? limits.jobsPerUser.otherQueues;
}

/** Sends the job in `trx` (it exists only if that transaction commits), or on pg-boss's own pool without one. */
export type EnqueueWithin = (trx: Transaction<Database> | undefined, input: unknown) => Promise<EnqueueResult>;

// Per user and queue, in this process: the calls that passed the count and have not yet ended the transaction their
// job is sent in (`sending`): their jobs may not be visible to a count yet, so they count against the quota too. Below
// the cap calls go ahead side by side; at it a call waits for those to end and counts again, so that concurrent calls
// cannot all pass the count before any of them has committed its job.
interface QuotaState {
  /** Calls counting or sending; the state is dropped when none is left. */
  members: number;
  sending: number;
  /** How many sending calls have ended: a count that overlapped an end may have missed that job. */
  ended: number;
  onEnd: Set<() => void>;
}
const quotaStates = new Map<string, QuotaState>();

function quotaKey(userId: string, queue: string): string {
  return `${userId}\u0000${queue}`;
}

function joinQuotaState(key: string): QuotaState {
  const state = quotaStates.get(key) ?? { members: 0, sending: 0, ended: 0, onEnd: new Set<() => void>() };
  quotaStates.set(key, state);
  state.members++;
  return state;
}

function leaveQuotaState(key: string, state: QuotaState, wasSending: boolean): void {
  state.members--;
  if (state.members === 0) quotaStates.delete(key);
  if (!wasSending) return;
  state.sending--;
  state.ended++;
  const waiting = [...state.onEnd];
  state.onEnd.clear();
  for (const wake of waiting) wake();
}

/**
 * Runs `work` with the one way a tool creates a job: within the caller's quota of queued + active jobs in that
 * queue. Admin tokens are not limited (nor is the nightly schedule, which does not go through tools). A request
 * identical to one already pending returns that job (deduplicated) even at the cap. A call counts against the quota
 * from its enqueue until `work` has settled, so `work` may commit the job's transaction after enqueueing (e.g. with
 * the audit row) and a concurrent call of the same user still counts that job.
 */
export async function withJobQuota<P, T>({ caller, deps }: Pick<ToolContext, 'caller' | 'deps'>, def: JobDefinition<P>, work: (enqueueWithin: EnqueueWithin) => Promise<T>): Promise<T> {
  const key = quotaKey(caller.userId, def.queue);
  let joined: { state: QuotaState; sending: boolean } | undefined;
  const enqueueWithin: EnqueueWithin = async (trx, input) => {
    const payload = def.payload.parse(input);
    const db = trx ? fromKysely(trx) : undefined;
    if (caller.admin) return enqueue(deps.boss, def, payload, db);
    if (joined) throw new Error('withJobQuota: one enqueue per call');
    const state = joinQuotaState(key);
    joined = { state, sending: false };
    const quota = jobQuotaOf(deps.limits, def.queue);
    for (;;) {
      const endedBefore = state.ended;
      const open = await countOpenJobsRequestedBy(trx ?? deps.db, def.queue, caller.userId);
      // Calls that ended during the count may have committed a job the count did not see: count them as well.
      const missed = state.ended - endedBefore;
      if (open + state.sending + missed < quota) break;
      if (missed > 0) continue;
      if (state.sending === 0) {
        const pending = await pendingJobWithKey(deps.boss, def.queue, def.singletonKey(payload));
        if (pending) return { jobId: pending, deduplicated: true };
        throw new ToolError(
          'limited',
          `job quota reached: you have ${open} ${def.queue} jobs queued or running, the limit is ${quota} per user; ` +
            'wait for some to finish (poll get_job) and try again',
        );
      }
      await new Promise<void>((resolve) => state.onEnd.add(resolve));
    }
    state.sending++;
    joined.sending = true;
    return enqueue(deps.boss, def, payload, db);
  };
  try {
    return await work(enqueueWithin);
  } finally {
    if (joined) leaveQuotaState(key, joined.state, joined.sending);
  }
}

/**
 * For a call that checks the quota in the database, in the transaction that inserts its job (see
 * archive-conversation-one-round-trip.ts): `work` gets the limit its open-job count must stay below — the quota less
 * this user's calls of this process that are sending a job not yet committed — or null for an admin. The call counts
 * as sending until `work` settles, as withJobQuota's calls do. Passing such a check is sufficient (it counts every
 * call that may commit meanwhile, some twice); a refusal is not final: the call then goes through withJobQuota, which
 * waits for the calls in flight and counts again. Below 1 the limit cannot pass: `work` is not run (undefined).
 */
export async function withQuotaAllowance<P, T>({ caller, deps }: Pick<ToolContext, 'caller' | 'deps'>, def: JobDefinition<P>, work: (openLimit: number | null) => Promise<T>): Promise<T | undefined> {
  if (caller.admin) return work(null);
  const key = quotaKey(caller.userId, def.queue);
  const state = joinQuotaState(key);
  const openLimit = jobQuotaOf(deps.limits, def.queue) - state.sending;
  if (openLimit < 1) {
    leaveQuotaState(key, state, false);
    return undefined;
  }
  state.sending++;
  try {
    return await work(openLimit);
  } finally {
    leaveQuotaState(key, state, true);
  }
}

/** withJobQuota for a job sent on its own (no transaction of the caller's). */
export async function enqueueWithinQuota<P>(context: Pick<ToolContext, 'caller' | 'deps'>, def: JobDefinition<P>, input: unknown): Promise<EnqueueResult> {
  return withJobQuota(context, def, (enqueueWithin) => enqueueWithin(undefined, input));
}

async function pendingJobWithKey(boss: PgBoss, queue: string, key: string): Promise<string | undefined> {
  const [queued] = await boss.findJobs(queue, { key, queued: true, limit: 1 });
  if (queued) return queued.id;
  return (await boss.findJobs(queue, { key, limit: 100 })).find((job) => job.state === 'active')?.id;
}
