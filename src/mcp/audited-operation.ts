import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Transaction } from 'kysely';
import { classifyDatabaseError, DATABASE_UNAVAILABLE_MESSAGE } from '../db/database-errors.ts';
import type { Database } from '../db/database.ts';
import { SemaphoreBusyError } from '../limits/semaphore.ts';
import type { Logger } from '../logger.ts';
import type { AuditRow } from '../sql/audit.ts';
import { auditRowIn, auditRowOf, recordAudit } from './audit-trail.ts';
import type { Caller } from './caller.ts';
import type { McpDependencies } from './mcp-dependencies.ts';
import { ToolError, type ToolOutcome } from './tool-error.ts';

/** What the work itself adds to its audit row: the job it made or read, ids and counts (never content). */
export interface AuditNotes {
  jobId?: string;
  detail?: Record<string, unknown>;
}

/** A failure as the caller may see it: a stable outcome and a short message that is safe to show. */
export interface SafeFailure {
  outcome: Exclude<ToolOutcome, 'ok'>;
  message: string;
}

/**
 * Appends the call's `ok` audit row inside the work's own transaction (one that acts for the caller), so that what
 * the work commits (an enqueued job) and its audit row are durable together; no second row is written after the
 * work. Call it last in a transaction whose failure fails the call.
 */
export type AuditOkIn = (trx: Transaction<Database>, notes?: AuditNotes) => Promise<void>;

/**
 * The call's `ok` audit row for a statement the work sends itself (a pipelined transaction, see
 * archive-conversation-one-round-trip.ts): `row` builds it (the notes are not changed), `written` records that the
 * transaction holding it committed, with the notes it was built with; no second row is written after the work.
 */
export interface OkAuditRow {
  row(notes?: AuditNotes): AuditRow;
  written(notes?: AuditNotes): void;
}

export type AuditedResult<T> = { ok: true; value: T } | { ok: false; failure: SafeFailure };

export interface AuditedOperation {
  /** A tool name or `resource:<name>`, as audited. */
  operation: string;
  caller: Caller;
  deps: McpDependencies;
  /** Runs under a permit of the expensive-read pool (deps.expensiveReads). */
  expensive?: boolean;
}

/**
 * The one place an MCP operation (tool call, resource read, resource list) runs: the work, every failure turned into a
 * safe message by one classification (ToolError as written; a database outage, a statement timeout, a busy
 * expensive-read pool; anything else an internal error with a reference in the log), then one audit row and one
 * metrics event. Transports present the result their own way (a tool's isError result, a resource's JSON-RPC error).
 */
export async function runAudited<T>(op: AuditedOperation, work: (notes: AuditNotes, log: Logger, auditOkIn: AuditOkIn, okAuditRow: OkAuditRow) => Promise<T>): Promise<AuditedResult<T>> {
  const { operation, caller, deps } = op;
  const started = performance.now();
  const log = deps.log.child({ operation, userId: caller.userId });
  const notes: AuditNotes = {};
  let outcome: ToolOutcome = 'ok';
  let okRowWritten = false;
  // The notes with what the work adds for its `ok` row.
  const merged = (more: AuditNotes): AuditNotes => {
    const jobId = more.jobId ?? notes.jobId;
    const detail = more.detail || notes.detail ? { ...notes.detail, ...more.detail } : undefined;
    return { ...(jobId ? { jobId } : {}), ...(detail ? { detail } : {}) };
  };
  const auditOkIn: AuditOkIn = async (trx, more = {}) => {
    Object.assign(notes, merged(more));
    await auditRowIn(trx, { operation, caller, outcome: 'ok', durationMs: performance.now() - started, ...notes });
    okRowWritten = true;
  };
  const okAuditRow: OkAuditRow = {
    row: (more = {}) => auditRowOf({ operation, caller, outcome: 'ok', durationMs: performance.now() - started, ...merged(more) }),
    written: (more = {}) => {
      Object.assign(notes, merged(more));
      okRowWritten = true;
    },
  };
  try {
    const value = op.expensive ? await deps.expensiveReads.run(() => work(notes, log, auditOkIn, okAuditRow)) : await work(notes, log, auditOkIn, okAuditRow);
    return { ok: true, value };
  } catch (error) {
    const failure = safeFailure(error, operation, notes, log, deps);
    outcome = failure.outcome;
    return { ok: false, failure };
  } finally {
    const durationMs = performance.now() - started;
    const { jobId, detail } = notes;
    // A failure after an `ok` row committed (say, an output check) gets its own row as well.
    const rowWritten = okRowWritten && outcome === 'ok';
    await recordAudit(deps, { operation, caller, outcome, durationMs, ...(jobId ? { jobId } : {}), ...(detail ? { detail } : {}) }, { rowWritten });
    deps.observer?.onToolCall({ tool: operation, userId: caller.userId, durationMs, outcome, ...(jobId ? { jobId } : {}) });
  }
}

function safeFailure(error: unknown, operation: string, notes: AuditNotes, log: Logger, deps: McpDependencies): SafeFailure {
  if (error instanceof ToolError) return { outcome: error.outcome, message: error.message };
  if (error instanceof SemaphoreBusyError) {
    notes.detail = { ...notes.detail, limit: 'expensive_reads' };
    return {
      outcome: 'limited',
      message: `the server is busy with other expensive reads (at most ${deps.expensiveReads.permits} at once, MCP_EXPENSIVE_READS_CONCURRENCY); retry in a few seconds`,
    };
  }
  const kind = classifyDatabaseError(error);
  if (kind === 'timeout') return { outcome: 'timeout', message: 'the request took too long and was cancelled; try again with narrower arguments' };
  if (kind === 'invalid_input') {
    // A value the arguments' schema let through but the database refused (out of range, malformed): the caller's
    // input, not a server fault.
    log.warn({ err: error }, 'MCP operation refused by the database: invalid input');
    return { outcome: 'invalid_input', message: 'invalid arguments — a value is out of range or malformed' };
  }
  if (kind === 'outage') {
    notes.detail = { ...notes.detail, databaseUnavailable: true };
    log.warn({ err: error }, 'MCP operation during a database outage');
    return { outcome: 'error', message: DATABASE_UNAVAILABLE_MESSAGE };
  }
  const reference = randomBytes(4).toString('hex');
  notes.detail = { ...notes.detail, errorReference: reference };
  log.error({ err: error, errorReference: reference }, 'MCP operation failed');
  return { outcome: 'error', message: `${operation} failed on the server (reference ${reference}); try again later` };
}
