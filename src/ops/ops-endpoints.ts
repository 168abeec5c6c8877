import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { createReadinessCheck, type Readiness } from './health.ts';
import { countJobsByState } from './job-counts.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { createOpsHandler, type OpsHandler } from './ops-routes.ts';

export interface OpsEndpoints {
  metrics: ServiceMetrics;
  readiness: () => Promise<Readiness>;
  /** /healthz, /readyz, /metrics: `app.use(handler)` in the MCP app; a lone worker passes metrics and readiness to `startOpsServer`. */
  handler: OpsHandler;
}

/** Health, readiness and metrics of one process, wired to its database pool and its pg-boss instance. */
export function createOpsEndpoints(deps: { db: Kysely<any>; boss: PgBoss }): OpsEndpoints {
  const metrics = createMetrics({ jobCounts: () => countJobsByState(deps.boss.getDb()) });
  const readiness = createReadinessCheck({ db: deps.db, boss: deps.boss });
  return { metrics, readiness, handler: createOpsHandler({ metrics, readiness }) };
}
