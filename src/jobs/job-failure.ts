import type { z } from 'zod';

/**
 * A failure no retry can fix: the thread does not exist or is someone else's, the archive is unknown, the payload
 * does not parse. The worker sends such a job straight to its dead-letter queue; every other error is retried.
 */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
  /** Stable, machine-readable reason, e.g. `thread_not_found`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** What a failed or dead-lettered job stores as its output, which `get_job` shows: no stack, no SQL. */
export interface JobErrorOutput {
  error: { code: string; message: string; retryable: boolean };
}

export function invalidPayloadError(queue: string, error: z.ZodError): PermanentJobError {
  const issues = error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
  return new PermanentJobError('invalid_payload', `the ${queue} payload does not parse: ${issues}`);
}
