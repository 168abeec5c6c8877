import type { Logger } from '../logger.ts';

/** What a handler knows about the job it runs, besides its parsed payload. */
export interface JobContext {
  jobId: string;
  queue: string;
  /** 1 for the first try. */
  attempt: number;
  maxAttempts: number;
  createdOn: Date;
  /** Aborted when the worker shuts down past its grace period or the job expires: stop, and throw. */
  signal: AbortSignal;
  /** A child logger carrying the job id, queue and attempt. */
  log: Logger;
}

/**
 * Runs one job. Throw `PermanentJobError` for failures a retry cannot fix; any other throw is retried with backoff.
 * The resolved value is stored as the job's output.
 */
export type JobHandler<Payload, Output extends object> = (payload: Payload, context: JobContext) => Promise<Output>;
