import type { JobResult, JobWithMetadata } from 'pg-boss';
import { invalidPayloadError, PermanentJobError, type JobErrorOutput } from '../jobs/job-failure.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import type { JobHandler } from '../jobs/job-handler.ts';
import type { Logger } from '../logger.ts';

export type JobOutcome = 'completed' | 'failed' | 'dead-lettered';

export interface JobStartEvent {
  queue: string;
  jobId: string;
  attempt: number;
  maxAttempts: number;
}

export interface JobEndEvent {
  queue: string;
  jobId: string;
  durationMs: number;
  outcome: JobOutcome;
  /** For `failed`: whether pg-boss will try again (otherwise the job goes to the dead-letter queue). */
  willRetry: boolean;
  /** Tokens counted by the job, when it counts any. */
  tokens?: number;
}

/** Where metrics attach: called around every job the worker runs. Observers must not throw. */
export interface JobObserver {
  onJobStart?(event: JobStartEvent): void;
  onJobEnd?(event: JobEndEvent): void;
}

/**
 * Runs one pg-boss job through its handler: parses the payload, logs start and end (job id, queue, attempt
 * "n of max", duration), writes the audit line, tells the observer, and turns the result into a pg-boss
 * disposition: completed; failed (retried with backoff, then dead-lettered by pg-boss); or dead-lettered at once
 * for a payload that does not parse or a `PermanentJobError`.
 */
export async function runJob<Payload, Output extends object>(
  definition: JobDefinition<Payload>,
  handler: JobHandler<Payload, Output>,
  job: JobWithMetadata<unknown>,
  { log, observer }: { log: Logger; observer?: JobObserver },
): Promise<JobResult> {
  const attempt = job.retryCount + 1;
  const maxAttempts = job.retryLimit + 1;
  const jobLog = log.child({ jobId: job.id, queue: definition.queue, attempt: `${attempt} of ${maxAttempts}` });
  const started = performance.now();
  notify(jobLog, () => observer?.onJobStart?.({ queue: definition.queue, jobId: job.id, attempt, maxAttempts }));
  jobLog.info('job started');

  const parsed = definition.payload.safeParse(job.data);
  const actor = parsed.success ? actorOf(parsed.data) : undefined;
  let result: JobResult;
  let outcome: JobOutcome;
  let tokens: number | undefined;
  let failure: unknown;
  try {
    if (!parsed.success) throw invalidPayloadError(definition.queue, parsed.error);
    const output = await handler(parsed.data, {
      jobId: job.id,
      queue: definition.queue,
      attempt,
      maxAttempts,
      createdOn: job.createdOn,
      signal: job.signal,
      log: jobLog,
    });
    tokens = tokensOf(output);
    result = { id: job.id, status: 'completed', output };
    outcome = 'completed';
  } catch (error) {
    failure = error;
    const permanent = error instanceof PermanentJobError;
    result = { id: job.id, status: permanent ? 'deadletter' : 'failed', output: errorOutput(error, !permanent) };
    outcome = permanent ? 'dead-lettered' : 'failed';
  }

  const durationMs = Math.round(performance.now() - started);
  const willRetry = outcome === 'failed' && attempt < maxAttempts;
  const fields = { durationMs, outcome, ...(tokens !== undefined ? { tokens } : {}), ...(actor ? { actor } : {}) };
  if (outcome === 'completed') jobLog.info(fields, 'job completed');
  else if (outcome === 'dead-lettered') jobLog.warn({ ...fields, err: failure }, 'job failed permanently: moved to the dead-letter queue');
  else jobLog.error({ ...fields, willRetry, err: failure }, willRetry ? 'job failed: will retry' : 'job failed: retries exhausted');
  jobLog.info({ audit: true, event: `job.${outcome}`, ...fields }, 'audit');
  notify(jobLog, () =>
    observer?.onJobEnd?.({ queue: definition.queue, jobId: job.id, durationMs, outcome, willRetry, ...(tokens !== undefined ? { tokens } : {}) }),
  );
  return result;
}

function errorOutput(error: unknown, retryable: boolean): JobErrorOutput {
  if (error instanceof PermanentJobError) return { error: { code: error.code, message: error.message, retryable: false } };
  const message = error instanceof Error ? error.message : String(error);
  return { error: { code: 'job_failed', message, retryable } };
}

function actorOf(payload: unknown): string | undefined {
  const requestedBy = (payload as { requestedBy?: unknown }).requestedBy;
  return typeof requestedBy === 'string' ? requestedBy : undefined;
}

function tokensOf(output: object): number | undefined {
  const tokens = (output as { tokensCount?: unknown }).tokensCount;
  return typeof tokens === 'number' ? tokens : undefined;
}

function notify(log: Logger, call: () => void): void {
  try {
    call();
  } catch (error) {
    log.error({ err: error }, 'job observer threw');
  }
}
