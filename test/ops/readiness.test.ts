import path from 'node:path';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/database.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { runMigrations } from '../../src/db/prepare-database.ts';
import { ensureHostSchema } from '../../src/demo/seed-demo.ts';
import { createBoss } from '../../src/jobs/boss.ts';
import { createLogger } from '../../src/logger.ts';
import { createReadinessCheck } from '../../src/ops/health.ts';
import { countJobsByState } from '../../src/ops/job-counts.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-routes.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { makeClusterDir, type ClusterDir } from '../support/cluster-dir.ts';
import { eventually } from '../support/eventually.ts';

async function status(url: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A check for eventually(): the answer once `url` answers `code`. */
function statusIs(url: string, code: number) {
  return async () => {
    const result = await status(url);
    return result.code === code ? result : undefined;
  };
}

// A PostgreSQL of this test's own, so stopping it disturbs no other test file.
describe('/readyz follows the database', () => {
  let cluster: ClusterDir;
  let pg: EmbeddedPostgres;
  let db: Kysely<Database>;
  let boss: PgBoss;
  let server: OpsServer;

  beforeAll(async () => {
    cluster = await makeClusterDir('readyz');
    pg = await startPostgres();
    const owner = createDb(pg.url, { max: 1 }) as Kysely<unknown>;
    await ensureHostSchema(owner);
    await owner.destroy();
    const service = new URL(pg.url);
    service.username = 'mcp_service_user';
    service.password = pg.servicePassword;
    const serviceUrl = service.toString();
    await runMigrations({ ownerUrl: pg.url, serviceUrl, isEmbeddedDefault: true, description: 'readiness test', close: async () => {} }, createLogger('silent'));

    db = createDb(serviceUrl, { max: 2 });
    boss = createBoss(serviceUrl, { instanceName: 'test' });
    await boss.start();
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      readiness: createReadinessCheck({ db, boss, timeoutMs: 2000 }),
      metrics: createMetrics({ jobCounts: () => countJobsByState(boss.getDb()), jobCountsCacheMs: 0, processMetrics: false }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await boss?.stop({ graceful: false });
    await db?.destroy();
    await pg?.stop();
    cluster?.remove();
  });

  const startPostgres = () => startEmbeddedPostgres({ dataDir: cluster.dataDir, port: cluster.port, logFile: path.join(cluster.root, 'postgres.log') });

  it('is 200 while the database runs, 503 when it stops, 200 again when it returns; /healthz stays 200', async () => {
    expect(await status(`${server.url}/readyz`)).toEqual({
      code: 200,
      body: { status: 'ready', database: { ok: true, ms: expect.any(Number) }, pgBoss: { ok: true, ms: expect.any(Number) } },
    });

    await pg.stop();
    const down = await eventually('/readyz to answer 503', statusIs(`${server.url}/readyz`, 503), 30_000, 200);
    expect(down).toEqual({
      code: 503,
      body: {
        status: 'not ready',
        database: { ok: false, ms: expect.any(Number), error: expect.any(String) },
        pgBoss: { ok: false, ms: expect.any(Number), error: expect.any(String) },
      },
    });
    expect(JSON.stringify(down.body)).not.toContain(pg.servicePassword);
    expect((await status(`${server.url}/healthz`)).code).toBe(200);
    // Metrics still answer; the job gauges are left empty and the failed count query is counted.
    const metrics = parsePrometheusText(await (await fetch(`${server.url}/metrics`)).text());
    expect(metrics.filter((s) => s.name === 'chat_archiver_jobs')).toEqual([]);
    expect(sampleValue(metrics, 'chat_archiver_job_counts_errors_total')).toBeGreaterThanOrEqual(1);

    pg = await startPostgres();
    const up = await eventually('/readyz to answer 200', statusIs(`${server.url}/readyz`, 200), 30_000, 200);
    expect(up).toMatchObject({ code: 200, body: { status: 'ready' } });
  });
});
