import { actingAs } from '../db/acting-user.ts';
import { appendAuditRow } from '../sql/audit.ts';
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
 * caller's work (often an enqueued job) has already happened and must still be reported to them.
 */
export async function recordAudit(deps: Pick<McpDependencies, 'db' | 'log'>, entry: AuditEntry): Promise<void> {
  const { caller } = entry;
  const durationMs = Math.round(entry.durationMs);
  deps.log.info(
    {
      audit: true,
      operation: entry.operation,
      userId: caller.userId,
      tokenId: caller.tokenId,
      transport: caller.transport,
      jobId: entry.jobId,
      outcome: entry.outcome,
      durationMs,
      ...(entry.detail ? { detail: entry.detail } : {}),
    },
    'mcp operation',
  );
  try {
    await actingAs(deps.db, { userId: caller.userId }, (trx) =>
      appendAuditRow(trx, {
          operation: entry.operation,
          user_id: caller.userId,
          token_id: caller.tokenId ?? null,
          transport: caller.transport,
          job_id: entry.jobId ?? null,
          outcome: entry.outcome,
          duration_ms: durationMs,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      }),
    );
  } catch (error) {
    deps.log.error({ err: error, operation: entry.operation }, 'could not append to the audit log');
  }
}
