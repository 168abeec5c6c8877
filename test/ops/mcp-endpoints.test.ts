import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { startMcpHttpService } from '../../src/mcp/mcp-runtime.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { demoUsers, ok, type DemoUser } from '../support/mcp-fixtures.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { freePort } from '../support/test-cluster.ts';
import { useSuite } from '../support/suite.ts';
import { createTestDatabase } from '../support/test-database.ts';

// The MCP server serves the process's /healthz, /readyz and /metrics beside /mcp, and reports its tool calls.
describe('MCP server: /healthz, /readyz and /metrics on HOST:PORT', () => {
  const suite = useSuite(async (release) => {
    const db = release(await createTestDatabase());
    const service = release(await startMcpHttpService(db.config({ PORT: String(await freePort()) }), db.serviceUrl, createLogger('silent'), createMetrics()));
    const base = service.url.replace(/\/mcp$/, '');
    const [user] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser];
    const { token } = await issueAccessToken(db.owner, { userId: user.id, name: 'metrics test', admin: false, expiresAt: null });
    const client = release(new Client({ name: 'metrics-test', version: '0' }));
    await client.connect(new StreamableHTTPClientTransport(new URL(service.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return { service, base, user, client };
  });

  it('answers health and readiness without a token, while /mcp still requires one', async () => {
    expect((await fetch(`${suite.base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${suite.base}/readyz`);
    expect([ready.status, ((await ready.json()) as { status: string }).status]).toEqual([200, 'ready']);
    expect((await fetch(suite.service.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await fetch(`${suite.base}/elsewhere`)).status).toBe(404);
  });

  it('counts the enqueue latency of a tool call and the job it enqueued', async () => {
    const answer = ok<{ jobId: string }>(await suite.client.callTool({ name: 'archive_conversation', arguments: { threadId: suite.user.threadIds[0], name: 'Metrics' } }));
    expect(answer.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const samples = parsePrometheusText(await (await fetch(`${suite.base}/metrics`)).text());
    expect(sampleValue(samples, 'chat_archiver_tool_call_duration_seconds_count', { tool: 'archive_conversation', outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_tool_jobs_enqueued_total', { tool: 'archive_conversation' })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_jobs', { queue: 'archive-conversation', state: 'created' })).toBe(1);
    expect(samples.some((s) => Object.values(s.labels).includes(suite.user.id))).toBe(false);
  });
});
