import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { pipelinedTransaction, type SubmitStatement } from '../../db/pipelined-transaction.ts';
import type { ArchiveConversationPayload } from '../../jobs/archive-conversation.ts';
import type { JobDefinition } from '../../jobs/job-definition.ts';
import { appendAuditRowOfInsertedJob, type AuditRow } from '../../sql/audit.ts';

export type OneRoundTripResult =
  | { queued: { jobId: string; deduplicated: false } }
  /** The thread or the archive is not the caller's (or does not exist). */
  | { notFound: 'thread' | 'archive' }
  /** Nothing was committed; the careful path decides: the quota seemed reached, or pg-boss found a duplicate. */
  | { undecided: 'quota' | 'duplicate' };

export interface OneRoundTripRequest {
  pool: pg.Pool;
  boss: PgBoss;
  job: JobDefinition<ArchiveConversationPayload>;
  payload: ArchiveConversationPayload;
  /** The caller's open jobs in the queue must stay below this (null: not limited). */
  openLimit: number | null;
  /** The call's `ok` audit row naming the job. */
  auditRow(jobId: string): AuditRow;
}

/**
 * archive_conversation's transaction sent in one round trip (pipelinedTransaction): the acting user with the
 * ownership and quota check in one statement (mcp_archiver.begin_archive_request, migrations 0026 and 0029), which
 * raises to abort the rest; pg-boss's own job insert (its `send`, with a `db` that adds the statement to the batch);
 * and the call's `ok` audit row, appended only if that insert made the job (not when pg-boss found a duplicate). The
 * job id is chosen here, so that the audit row can name it in the same batch. Job and row commit together, in one commit, or not at all.
 */
export async function archiveInOneRoundTrip(request: OneRoundTripRequest): Promise<OneRoundTripResult> {
  const { payload, job } = request;
  const jobId = randomUUID();
  const row = { ...request.auditRow(jobId), job_id: jobId };
  try {
    const inserted = await pipelinedTransaction(request.pool, async (submit) => {
      void submit('SELECT mcp_archiver.begin_archive_request($1, $2, $3, $4, $5)', [payload.requestedBy, payload.threadId, payload.archiveId ?? null, job.queue, request.openLimit]);
      const { send } = await sendInto(submit, request.boss, job, payload, jobId);
      const audit = appendAuditRowOfInsertedJob(row, job.queue);
      void submit(audit.text, audit.values);
      return { send };
    });
    return (await inserted.send) === jobId ? { queued: { jobId, deduplicated: false } } : { undecided: 'duplicate' };
  } catch (error) {
    const refusal = archiveRequestRefusal(error);
    if (refusal === 'thread' || refusal === 'archive') return { notFound: refusal };
    if (refusal === 'quota') return { undecided: 'quota' };
    throw error;
  }
}

/**
 * Calls pg-boss's `send` with a `db` whose one statement is submitted into the batch; resolves once it is, with
 * `send`'s pending answer (the job id, or null for a duplicate) wrapped, so that it is not awaited here.
 */
async function sendInto(submit: SubmitStatement, boss: PgBoss, job: JobDefinition<ArchiveConversationPayload>, payload: ArchiveConversationPayload, jobId: string): Promise<{ send: Promise<string | null> }> {
  let submitted!: () => void;
  const statementSubmitted = new Promise<void>((resolve) => (submitted = resolve));
  let statements = 0;
  const db = {
    executeSql: (text: string, values?: unknown[]) => {
      // A second statement would come after the batch's COMMIT, outside the transaction.
      if (++statements > 1) return Promise.reject(new Error('pg-boss send: more than one statement in a pipelined transaction'));
      const answer = submit(text, values);
      submitted();
      return answer;
    },
  };
  const send = boss.send(job.queue, payload, { id: jobId, singletonKey: job.singletonKey(payload), db });
  send.catch(() => {});
  await Promise.race([statementSubmitted, send.then(() => Promise.reject(new Error('pg-boss send answered without a statement')))]);
  return { send };
}

/** What mcp_archiver.check_archive_request refused (its hint), or undefined for any other error. */
function archiveRequestRefusal(error: unknown): string | undefined {
  const { code, hint } = (error ?? {}) as { code?: unknown; hint?: unknown };
  return code === 'P0001' && typeof hint === 'string' && hint.startsWith('archive_request:') ? hint.slice('archive_request:'.length) : undefined;
}
