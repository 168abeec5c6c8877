import type { Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { appendAuditRow, type AuditRow } from '../sql/audit.ts';
import type { McpDependencies } from './mcp-dependencies.ts';
import type { Caller } from './caller.ts';
import type { ToolOutcome } from './tool-error.ts';

export interface AuditEntry {
  /** A tool name or `resource:<name>`. */
  operation: string;
  caller: Caller;
  outcome: ToolOutcome;
  durationMs: number;
  jobId?: string;
  /** Ids, counts and argument names only: never message content, queries or tokens. */
  detail?: Record<string, unknown>;
}

/**
 * One pino line and one append-only row per MCP operation. A failing audit insert is logged, not raised: the
 * caller's work (often an enqueued job) has already happened and must still be reported to them. `rowWritten`: the
 * work already appended this row in its own transaction (auditRowIn), which committed; only the line is written.
 */
export async function recordAudit(deps: Pick<McpDependencies, 'db' | 'log'>, entry: AuditEntry, options: { rowWritten?: boolean } = {}): Promise<void> {
  const { caller } = entry;
  deps.log.info(
    {
      audit: true,
      operation: entry.operation,
      userId: caller.userId,
      tokenId: caller.tokenId,
      transport: caller.transport,
      jobId: entry.jobId,
      outcome: entry.outcome,
      durationMs: Math.round(entry.durationMs),
      ...(entry.detail ? { detail: entry.detail } : {}),
    },
    'mcp operation',
  );
  if (options.rowWritten) return;
  try {
    await actingAs(deps.db, { userId: caller.userId }, (trx) => appendAuditRow(trx, auditRowOf(entry)));
  } catch (error) {
    deps.log.error({ err: error, operation: entry.operation }, 'could not append to the audit log');
  }
}

/**
 * Appends the entry's row in a transaction of the work's own that acts for the caller: it commits with the work
 * (an enqueued job and its audit row exist together or not at all) and costs one statement instead of a transaction.
 */
export async function auditRowIn(trx: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await appendAuditRow(trx, auditRowOf(entry));
}

/** The audit_log row of an entry. */
export function auditRowOf(entry: AuditEntry): AuditRow {
  const { caller } = entry;
  return {
    operation: entry.operation,
    user_id: caller.userId,
    token_id: caller.tokenId ?? null,
    transport: caller.transport,
    job_id: entry.jobId ?? null,
    outcome: entry.outcome,
    duration_ms: Math.round(entry.durationMs),
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  };
}
