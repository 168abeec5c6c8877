import type { Config } from '../config.ts';
import { createDbOn, createPool } from '../db/connect.ts';
import { createLinkSigner } from '../export/download-links.ts';
import type { ExportStore } from '../export/object-store.ts';
import { openExportStore } from '../export/open-store.ts';
import { createExpensiveReadPool } from '../limits/expensive-reads.ts';
import { createBoss } from '../jobs/boss.ts';
import { openJobFinishWaiter, type JobFinishWaiter } from '../jobs/job-finish-waiter.ts';
import { ensureQueues } from '../jobs/registry.ts';
import type { Logger } from '../logger.ts';
import { createMetrics, type ServiceMetrics } from '../ops/metrics.ts';
import { createOpsEndpoints } from '../ops/ops-endpoints.ts';
import { reportSettings } from '../ops/report-routes.ts';
import { checkAccessToken } from './access-tokens.ts';
import { createExportDownloads } from './export-downloads.ts';
import { allowedHostnames, createHttpApp, listen } from './http-transport.ts';
import type { McpDependencies, ToolCallObserver } from './mcp-dependencies.ts';
import { openListeningTokenCache } from './token-check-cache.ts';

/** Refused before anything starts when MCP_SERVER_ENABLED=false. */
export class McpDisabledError extends Error {
  override readonly name = 'McpDisabledError';
  constructor() {
    super('the MCP server is disabled (MCP_SERVER_ENABLED=false); set MCP_SERVER_ENABLED=true to serve MCP clients');
  }
}

/** What the process knows besides the configuration. */
export interface McpRuntimeExtras {
  /** The embedded default's generated link key, used when EXPORT_LINK_SECRET is unset. */
  linkSecret?: string;
  /** Replaces the store EXPORT_STORE names (tests). */
  exportStore?: ExportStore;
}

export interface McpRuntime {
  deps: McpDependencies;
  close(): Promise<void>;
}

/**
 * The process-wide parts of an MCP server: a service-role pool, and a pg-boss instance that only enqueues and reads
 * jobs (no supervision, no schedules: the worker does those), with every queue ensured before the first request.
 */
export async function openMcpRuntime(
  config: Config,
  serviceUrl: string,
  log: Logger,
  observer?: ToolCallObserver,
  extras: McpRuntimeExtras = {},
): Promise<McpRuntime> {
  if (!config.mcp.enabled) throw new McpDisabledError();
  const store = extras.exportStore ?? (await openExportStore(config));
  await store.check();
  const linkSecret = config.links.secret ?? extras.linkSecret;
  if (!linkSecret) log.warn('download links are off: set EXPORT_LINK_SECRET (at least 32 characters) to offer them');
  // One pool for both: Kysely sends one statement at a time on it, archive_conversation a whole transaction at once.
  const pipelinedPool = createPool(serviceUrl, { max: 10, applicationName: 'chat-archiver:mcp', statementTimeoutMs: config.statementTimeoutMs, pipeline: true });
  const db = createDbOn(pipelinedPool);
  const boss = createBoss(serviceUrl, { instanceName: 'mcp', supervise: false, schedule: false, max: 10, log });
  let jobFinishes: JobFinishWaiter | undefined;
  let tokens: Awaited<ReturnType<typeof openListeningTokenCache>>;
  try {
    await boss.start();
    await ensureQueues(boss);
    jobFinishes = await openJobFinishWaiter(serviceUrl, log);
    tokens = await openListeningTokenCache((token) => checkAccessToken(db, token), { ttlMs: config.mcp.limits.tokenCacheMs, connectionString: serviceUrl, log });
  } catch (error) {
    await jobFinishes?.close();
    await boss.stop({ graceful: false }).catch(() => {});
    await db.destroy();
    throw error;
  }
  const deps: McpDependencies = {
    db,
    pipelinedPool,
    boss,
    log: log.child({ component: 'mcp' }),
    jobFinishes,
    exportDir: config.exportDir,
    store,
    ...(linkSecret ? { links: createLinkSigner({ secret: linkSecret, ttlMs: config.links.ttlMs, publicBaseUrl: config.links.publicBaseUrl }) } : {}),
    downloads: config.exportStore.downloads,
    searchTimeoutMs: config.mcp.searchTimeoutMs,
    limits: config.mcp.limits,
    expensiveReads: createExpensiveReadPool(config.mcp.limits.expensiveReadConcurrency, config.mcp.limits.expensiveReadWaitMs),
    ...(observer ? { observer } : {}),
    tokenChecks: tokens.cache,
  };
  return {
    deps,
    async close() {
      await tokens.close();
      await jobFinishes?.close();
      await boss.stop({ graceful: false }).catch((error: unknown) => log.warn({ err: error }, 'pg-boss stop failed'));
      await db.destroy();
    },
  };
}

export interface McpHttpService {
  url: string;
  stop(): Promise<void>;
}

/**
 * The Streamable HTTP server on HOST:PORT, path /mcp, with the process's /healthz, /readyz and /metrics beside it
 * (tool calls reported into `metrics`, the process's registry).
 */
export async function startMcpHttpService(
  config: Config,
  serviceUrl: string,
  log: Logger,
  metrics: ServiceMetrics = createMetrics(),
  extras: McpRuntimeExtras = {},
): Promise<McpHttpService> {
  const runtime = await openMcpRuntime(config, serviceUrl, log, metrics.toolCallObserver, extras);
  try {
    const app = createHttpApp({
      deps: runtime.deps,
      serverName: config.mcp.serverName,
      allowedHosts: allowedHostnames(config.mcp),
      allowedOrigins: config.mcp.allowedOrigins,
    });
    app.use(createExportDownloads(runtime.deps, allowedHostnames(config.mcp)));
    app.use(createOpsEndpoints({ db: runtime.deps.db, boss: runtime.deps.boss, metrics, reports: reportSettings(config) }).handler);
    const listening = await listen(app, config.mcp.host, config.mcp.port);
    log.info({ url: listening.url }, 'MCP server listening');
    return {
      url: listening.url,
      async stop() {
        await listening.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
