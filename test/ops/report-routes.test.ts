import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGBOSS_SCHEMA } from '../../src/db/schemas.ts';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { startDashboard } from '../../src/ops/dashboard-server.ts';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-routes.ts';
import { createReportRoutes, type ReportRoutesOptions } from '../../src/ops/report-routes.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { DEMO_USAGE_MONTHS, HOSTILE_NAME, plantHostileNames, recordDemoAnalysis } from '../support/report-fixtures.ts';
import { tableRows } from '../report/report-tables.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(base: string, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
// These tests are about /reports; readiness has its own (test/ops/readiness.test.ts).
const notProbed = async () => ({ ready: true, checks: { database: { ok: true, ms: 0 }, pgBoss: { ok: true, ms: 0 } } });
const AUTH = { user: 'ops', password: 'a-long-enough-password' };

describe('the report pages on the ops server', () => {
  let db: TestDatabase;
  // The demo analysis, an admin's token and a plain user's.
  let [analysisId, adminToken, userToken] = ['', '', ''];
  const servers: OpsServer[] = [];

  /** An ops listener on loopback whose report access is decided as if it listened on `listenHost`. */
  async function serve(options: Partial<Pick<ReportRoutesOptions, 'listenHost' | 'auth'>> = {}): Promise<string> {
    const reports = createReportRoutes({ db: db.service, timeZone: 'Europe/Paris', listenHost: '127.0.0.1', ...options });
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      extraHosts: ['archiver.internal'],
      readiness: notProbed,
      reports,
    });
    servers.push(server);
    return server.url;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    await plantHostileNames(db);
    analysisId = await recordDemoAnalysis(db);
    const user = (await db.owner.selectFrom('chat_thread').select('user_id').orderBy('id').executeTakeFirstOrThrow()).user_id;
    adminToken = (await issueAccessToken(db.owner, { userId: user, name: 'reports admin', admin: true, expiresAt: null })).token;
    userToken = (await issueAccessToken(db.owner, { userId: user, name: 'plain user', admin: false, expiresAt: null })).token;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await db?.drop();
  });

  it('serves the latest analysis, one by id and the usage page on loopback, as HTML with a strict policy', async () => {
    const base = await serve();
    const latest = await request(base, '/reports/latest');
    expect(latest.status).toBe(200);
    expect(latest.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(latest.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(latest.body).toContain(analysisId);
    expect(tableRows(latest.body, 'messages-per-day').reduce((sum, row) => sum + Number(row[1]), 0)).toBe(481);
    const byId = await request(base, `/reports/${analysisId}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toContain('<figure data-chart="weekday-hour"><svg');
    const usage = await request(base, `/reports/usage?months=${DEMO_USAGE_MONTHS}`);
    expect(usage.status).toBe(200);
    expect(tableRows(usage.body, 'tokens-per-user').reduce((sum, row) => sum + Number(row[1]), 0)).toBe(481);
    // Two queries, one truth: the usage page's tokens are the analysis's (every demo message lies in both ranges).
    const usageTokens = tableRows(usage.body, 'tokens-per-user').reduce((sum, row) => sum + Number(row[4]), 0);
    expect(usageTokens).toBeGreaterThan(0);
    expect(usageTokens).toBe(tableRows(latest.body, 'tokens-by-model').reduce((sum, row) => sum + Number(row[5]), 0));
    const head = await request(base, '/reports/latest', { method: 'HEAD' });
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('escapes hostile user, model and tool names and shows no message text', async () => {
    const base = await serve();
    for (const path of ['/reports/latest', `/reports/usage?months=${DEMO_USAGE_MONTHS}`]) {
      const { body } = await request(base, path);
      expect(body, path).not.toMatch(/<script/i);
      expect(body, path).toContain('&lt;script&gt;');
      // Demo message texts (every thread opens with a question) never reach the page.
      expect(body, path).not.toMatch(/ECB|interest rates|BCE/);
    }
    const usage = await request(base, `/reports/usage?months=${DEMO_USAGE_MONTHS}`);
    expect(tableRows(usage.body, 'tokens-per-user').map((row) => row[0])).toContain(HOSTILE_NAME);
    const latest = await request(base, '/reports/latest');
    expect(tableRows(latest.body, 'top-tools').map((row) => row[0])).toContain(HOSTILE_NAME);
  });

  it('answers a bad id with 400, an unknown one with 404, a bad query with 400 and a write with 405', async () => {
    const base = await serve();
    expect((await request(base, '/reports/not-a-uuid')).status).toBe(400);
    expect((await request(base, "/reports/1'%20OR%201=1")).status).toBe(400);
    const unknown = await request(base, `/reports/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/no analysis/);
    expect((await request(base, '/reports/usage?months=0')).status).toBe(400);
    expect((await request(base, '/reports/usage?months=many')).status).toBe(400);
    expect((await request(base, '/reports/usage?colour=red')).status).toBe(400);
    expect((await request(base, `/reports/${analysisId}?x=1`)).status).toBe(400);
    expect((await request(base, '/reports/latest', { method: 'POST' })).status).toBe(405);
    expect((await request(base, '/reports/latest', { method: 'DELETE' })).status).toBe(405);
  });

  it('answers 404 for /reports/latest before any analysis of all users', async () => {
    const empty = await createTestDatabase();
    try {
      const reports = createReportRoutes({ db: empty.service, timeZone: 'UTC', listenHost: '127.0.0.1' });
      const server = await startOpsServer({ host: '127.0.0.1', port: 0, readiness: notProbed, reports });
      servers.push(server);
      const answer = await request(server.url, '/reports/latest');
      expect(answer.status).toBe(404);
      expect(answer.body).toMatch(/no analysis of all users recorded yet/);
    } finally {
      await empty.drop();
    }
  });

  it('off loopback, asks for basic auth or an admin token', async () => {
    const open = await serve({ listenHost: '0.0.0.0' });
    const refused = await request(open, '/reports/latest');
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain(analysisId);
    expect((await request(open, '/reports/latest', { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect((await request(open, '/reports/latest', { headers: { authorization: `Bearer ${userToken}` } })).status).toBe(403);
    expect((await request(open, '/reports/latest', { headers: { authorization: 'Bearer cat_not-a-real-token' } })).status).toBe(401);

    const withAuth = await serve({ listenHost: '0.0.0.0', auth: AUTH });
    const challenged = await request(withAuth, '/reports/usage');
    expect(challenged.status).toBe(401);
    expect(challenged.headers['www-authenticate']).toMatch(/^Basic /);
    expect((await request(withAuth, '/reports/latest', { headers: { authorization: basic(AUTH.user, AUTH.password) } })).status).toBe(200);
    expect((await request(withAuth, '/reports/latest', { headers: { authorization: basic(AUTH.user, 'wrong-password-here') } })).status).toBe(401);
    expect((await request(withAuth, '/reports/latest', { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    // An unknown id tells nothing before authentication.
    expect((await request(withAuth, `/reports/${randomUUID()}`)).status).toBe(401);
  });

  it('on loopback with basic auth configured, asks for it too, as the dashboard does', async () => {
    const base = await serve({ auth: AUTH });
    expect((await request(base, '/reports/latest')).status).toBe(401);
    expect((await request(base, '/reports/latest', { headers: { authorization: basic(AUTH.user, AUTH.password) } })).status).toBe(200);
  });

  it('are served by the dashboard too, under its basic auth and its Host check', async () => {
    const reports = createReportRoutes({ db: db.service, timeZone: 'Europe/Paris', listenHost: '127.0.0.1', auth: AUTH });
    const dashboard = await startDashboard({ databaseUrl: db.serviceUrl, schema: PGBOSS_SCHEMA, host: '127.0.0.1', port: 0, auth: AUTH, readOnly: true, extraHosts: [], reports });
    try {
      expect((await request(dashboard.url, '/reports/latest')).status).toBe(401);
      const page = await request(dashboard.url, '/reports/latest', { headers: { authorization: basic(AUTH.user, AUTH.password) } });
      expect(page.status).toBe(200);
      expect(page.body).toContain(analysisId);
      expect((await request(dashboard.url, '/reports/latest', { headers: { host: 'evil.example.com', authorization: basic(AUTH.user, AUTH.password) } })).status).toBe(403);
      expect((await request(dashboard.url, '/reports/not-a-uuid', { headers: { authorization: basic(AUTH.user, AUTH.password) } })).status).toBe(400);
    } finally {
      await dashboard.close();
    }
  });

  it('refuses a foreign Host header before anything else', async () => {
    const base = await serve();
    for (const path of ['/reports/latest', '/reports/usage', `/reports/${analysisId}`, '/reports/not-a-uuid']) {
      const answer = await request(base, path, { headers: { host: 'evil.example.com' } });
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.body).toMatch(/host not allowed/);
    }
    expect((await request(base, '/reports/latest', { headers: { host: 'archiver.internal' } })).status).toBe(200);
  });
});
