import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { McpLimitsConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { LinkSigner } from '../export/download-links.ts';
import type { ExportStore } from '../export/object-store.ts';
import type { Semaphore } from '../limits/semaphore.ts';
import type { JobFinishWaiter } from '../jobs/job-finish-waiter.ts';
import type { Logger } from '../logger.ts';
import type { TokenCheckCache } from './token-check-cache.ts';
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
  /** Pipelined connections of the same role (the pool under `db` in the server): one transaction in one round trip. */
  pipelinedPool: pg.Pool;
  /** Started, with every queue ensured; used to enqueue and to look jobs up. */
  boss: PgBoss;
  log: Logger;
  /** Wakes `get_job` waits when a job finishes (one LISTEN connection per process). */
  jobFinishes: JobFinishWaiter;
  /** Legacy rows' relative export paths are resolved against it. */
  exportDir: string;
  /** Exports are read from here: the worker's store, whichever machine it runs on. */
  store: ExportStore;
  /** Signs download links; undefined when no key is configured (links are then not offered). */
  links?: LinkSigner;
  /** `presigned`: download links redirect to the bucket. */
  downloads: 'proxy' | 'presigned';
  searchTimeoutMs: number;
  /** Per-user job quotas and the non-admin analysis range (per-token call limits live in the HTTP transport). */
  limits: McpLimitsConfig;
  /** Permits for expensive reads (tools with `expensive: true`, export files), shared by every caller of the process. */
  expensiveReads: Semaphore;
  observer?: ToolCallObserver;
  /** Bearer-token checks kept a few seconds in memory (MCP_TOKEN_CACHE_MS); without it every request reads the token. */
  tokenChecks?: TokenCheckCache;
}
