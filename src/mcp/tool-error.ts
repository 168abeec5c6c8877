/** How a tool call ended, as audited and reported to metrics. */
/** `limited`: refused by a per-token limit, a per-user job quota or the expensive-read pool (the message names it). */
export type ToolOutcome = 'ok' | 'invalid_input' | 'not_found' | 'limited' | 'timeout' | 'error';

/**
 * A failure whose message is safe and useful to show the agent as is: it names the argument and what to do,
 * never SQL, stack frames or internal state. Anything else thrown by a tool is reported as an internal error.
 */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  readonly outcome: Exclude<ToolOutcome, 'ok' | 'error'>;

  constructor(outcome: ToolError['outcome'], message: string) {
    super(message);
    this.outcome = outcome;
  }
}

/** Unknown ids and other users' ids answer the same, so that no caller can probe for someone else's data. */
export function notFound(what: 'thread' | 'archive' | 'job' | 'agent' | 'workflow', id: string): ToolError {
  return new ToolError('not_found', `${what} ${id} not found`);
}
