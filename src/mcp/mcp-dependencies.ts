import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { McpLimitsConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Semaphore } from '../limits/semaphore.ts';
import type { Logger } from '../logger.ts';
import type { ToolOutcome } from './tool-error.ts';

/** One finished tool call or resource read, for metrics. Carries no arguments and no content. */
export interface ToolCallEvent {
  tool: string;
  userId: string;
  durationMs: number;
  outcome: ToolOutcome;
  jobId?: string;
}

export interface ToolCallObserver {
  onToolCall(event: ToolCallEvent): void;
}

/** What every MCP server instance shares, whatever the transport: built once per process. */
export interface McpDependencies {
  /** Connected as the restricted service role. */
  db: Kysely<Database>;
  /** Started, with every queue ensured; used to enqueue and to look jobs up. */
  boss: PgBoss;
  log: Logger;
  /** Export files are served from here only. */
  exportDir: string;
  searchTimeoutMs: number;
  /** Per-user job quotas and the non-admin analysis range (per-token call limits live in the HTTP transport). */
  limits: McpLimitsConfig;
  /** Permits for expensive reads (tools with `expensive: true`, export files), shared by every caller of the process. */
  expensiveReads: Semaphore;
  observer?: ToolCallObserver;
}
