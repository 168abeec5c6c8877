import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { createReadinessCheck, type Readiness } from './health.ts';
import { countJobsByState } from './job-counts.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { createOpsHandler, startOpsServer, type OpsHandler } from './ops-routes.ts';
import { createReportRoutes } from './report-routes.ts';

export interface OpsEndpoints {
  metrics: ServiceMetrics;
  readiness: () => Promise<Readiness>;
  /** /healthz, /readyz, /metrics as a connect/express handler: `app.use(handler)` first in the MCP app. */
  handler: OpsHandler;
}

export interface OpsDependencies {
  /** The process's service-role pool and its pg-boss instance: what readiness checks and the job gauges read. */
  db: Kysely<any>;
  boss: PgBoss;
  /** The process's metrics, when its observers were attached before the pools existed. */
  metrics?: ServiceMetrics;
  /** Serve the report pages: the listen address and DASHBOARD_USER/PASSWORD decide who may read them. */
  reports?: { listenHost: string; auth?: { user: string; password: string }; timeZone: string };
}

/** Health, readiness and metrics of one process, wired to its database pool and its pg-boss instance. */
export function createOpsEndpoints(deps: OpsDependencies): OpsEndpoints {
  const metrics = deps.metrics ?? createMetrics();
  metrics.useJobCounts(() => countJobsByState(deps.boss.getDb()));
  const readiness = createReadinessCheck({ db: deps.db, boss: deps.boss });
  const reports = deps.reports && createReportRoutes({ db: deps.db, ...deps.reports });
  return { metrics, readiness, handler: createOpsHandler({ metrics, readiness, ...(reports ? { reports } : {}) }) };
}

/** The same endpoints on a listener of their own (a standalone worker process). */
export async function serveOpsEndpoints(
  deps: OpsDependencies & { host: string; port: number; extraHosts: readonly string[] },
): Promise<{ description: string; close(): Promise<void> }> {
  const { metrics, readiness } = createOpsEndpoints(deps);
  const reports = deps.reports && createReportRoutes({ db: deps.db, ...deps.reports });
  try {
    const server = await startOpsServer({ host: deps.host, port: deps.port, extraHosts: deps.extraHosts, metrics, readiness, ...(reports ? { reports } : {}) });
    return { description: `health and metrics on ${server.url}/metrics`, close: () => server.close() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${deps.port} on ${deps.host} is already in use: set WORKER_HTTP_PORT to a free port`);
    }
    throw error;
  }
}
