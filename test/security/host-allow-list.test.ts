import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGBOSS_SCHEMA } from '../../src/db/schemas.ts';
import { allowedHostnames, createHttpApp, listen, type ListeningServer } from '../../src/mcp/http-transport.ts';
import { startDashboard, type RunningDashboard } from '../../src/ops/dashboard-server.ts';
import { createReadinessCheck } from '../../src/ops/health.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { createOpsEndpoints } from '../../src/ops/ops-endpoints.ts';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-routes.ts';
import { openMcpSuite, type TestMcp } from '../support/mcp-fixtures.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { closeAll } from '../support/close-all.ts';

/** A GET with a chosen Host header, as a DNS-rebinding page makes the browser send. */
function get(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path, method: 'GET', headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the Host allow-list on every route of every HTTP server', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let mcpServer: ListeningServer;
  let opsServer: OpsServer;
  let dashboard: RunningDashboard;

  beforeAll(async () => {
    ({ db, mcp } = await openMcpSuite());
    const config = db.config({ MCP_ALLOWED_HOSTS: 'archiver.internal' });
    const app = createHttpApp({ deps: mcp.deps, serverName: 'test-archiver', allowedHosts: allowedHostnames(config.mcp), allowedOrigins: [] });
    app.use(createOpsEndpoints({ db: mcp.deps.db, boss: mcp.deps.boss, metrics: createMetrics() }).handler);
    mcpServer = await listen(app, '127.0.0.1', 0);
    opsServer = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      extraHosts: config.mcp.allowedHosts,
      metrics: createMetrics(),
      readiness: createReadinessCheck({ db: mcp.deps.db, boss: mcp.deps.boss }),
    });
    dashboard = await startDashboard({ databaseUrl: db.serviceUrl, schema: PGBOSS_SCHEMA, host: '127.0.0.1', port: 0, readOnly: true, extraHosts: config.mcp.allowedHosts });
  });
  afterAll(() => closeAll(dashboard, opsServer, mcpServer, mcp, db));

  const routes = (): Array<[string, string, string]> => [
    ['mcp server', mcpServer.url, '/healthz'],
    ['mcp server', mcpServer.url, '/readyz'],
    ['mcp server', mcpServer.url, '/metrics'],
    ['mcp server', mcpServer.url, '/mcp'],
    ['mcp server', mcpServer.url, '/no-such-route'],
    ['worker ops server', opsServer.url, '/healthz'],
    ['worker ops server', opsServer.url, '/readyz'],
    ['worker ops server', opsServer.url, '/metrics'],
    ['dashboard', dashboard.url, '/'],
    ['dashboard', dashboard.url, '/queues'],
  ];

  it('refuses a foreign Host header with 403 and no content', async () => {
    for (const [server, base, path] of routes()) {
      for (const host of ['evil.example.com', 'evil.example.com:8787', '127.0.0.1.evil.example.com']) {
        const answer = await get(base, path, host);
        expect({ server, path, host, status: answer.status }).toEqual({ server, path, host, status: 403 });
        expect(answer.body).toMatch(/host not allowed/);
        expect(answer.body).not.toMatch(/queue|chat_archiver|archive-conversation/);
      }
    }
  });

  it('serves loopback names and the configured extra hosts', async () => {
    for (const [server, base, path] of routes()) {
      if (path === '/mcp' || path === '/no-such-route') continue;
      for (const host of ['127.0.0.1', 'localhost:9999', 'archiver.internal']) {
        const answer = await get(base, path, host);
        expect({ server, path, host, status: answer.status }).toEqual({ server, path, host, status: 200 });
      }
    }
  });
});
