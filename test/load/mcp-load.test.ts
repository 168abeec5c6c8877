import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { demoUsers, type DemoUser } from '../support/mcp-fixtures.ts';
import { listeningUrl, spawnService, type SpawnedService } from '../support/spawned-service.ts';
import { freePort } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { eventually } from '../support/eventually.ts';

// In the suite, among other test files: 40 clients × 10 calls. test/soak/load.sh runs it alone with 200 clients ×
// 20 calls (LOAD_CLIENTS, LOAD_CALLS; calls a multiple of 5), as .ci/run does after the suite.
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 40);
const CALLS_PER_CLIENT = Number(process.env.LOAD_CALLS ?? 10);
const WORKERS = 2;
const QUERIES = ['pool', 'idle connections', 'revenue quarter', 'useEffect', 'ECB rate', 'Lisbonne hôtel', 'tarte tatin', 'kubernetes'];

interface CallRecord {
  tool: string;
  ms: number;
  error?: string;
}

interface Queued {
  jobId: string;
  deduplicated: boolean;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function figures(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => Math.round(n * 10) / 10;
  return { n: sorted.length, p50: f(percentile(sorted, 50)), p95: f(percentile(sorted, 95)), p99: f(percentile(sorted, 99)), max: f(sorted.at(-1) ?? 0) };
}

describe(`load: ${CLIENTS} MCP clients over Streamable HTTP, ${CALLS_PER_CLIENT} calls each, real mcp and worker processes`, () => {
  let db: TestDatabase;
  let exportDir: string;
  let mcp: SpawnedService;
  const workers: SpawnedService[] = [];
  let users: DemoUser[];
  const tokens = new Map<number, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-archiver-load-'));
    users = await demoUsers(db);
    // One token per client, as separate agents would have.
    for (let i = 0; i < CLIENTS; i++) {
      const user = users[i % users.length]!;
      tokens.set(i, (await issueAccessToken(db.owner, { userId: user.id, name: `load ${i}`, admin: false, expiresAt: null })).token);
    }
    const env = {
      DATABASE_URL: db.ownerUrl,
      MCP_DB_USER: new URL(db.serviceUrl).username,
      MCP_DB_PASSWORD: decodeURIComponent(new URL(db.serviceUrl).password),
      EXPORT_DIR: exportDir,
      LOG_LEVEL: 'warn',
      // Many agents of one user archive at once here: the per-user job quota (tested on its own) would refuse them.
      MCP_ARCHIVE_JOBS_PER_USER: '100000',
    };
    mcp = await spawnService(['mcp'], { ...env, PORT: String(await freePort()) }, /listening on/);
    for (let i = 0; i < WORKERS; i++) {
      workers.push(await spawnService(['worker', '--concurrency', '2'], { ...env, WORKER_HTTP_PORT: String(await freePort()) }, /^worker: /));
    }
  });
  afterAll(async () => {
    await mcp?.stop();
    await Promise.all(workers.map((w) => w.stop()));
    await db?.drop();
    if (exportDir) fs.rmSync(exportDir, { recursive: true, force: true });
  });

  it('answers every call, and every enqueued job completes', { timeout: 300_000 }, async () => {
    const url = new URL(listeningUrl(mcp));
    const connectStarted = performance.now();
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const client = new Client({ name: `load-${i}`, version: '0' });
        await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${tokens.get(i)}` } } }));
        return client;
      }),
    );
    const connectMs = performance.now() - connectStarted;

    const calls: CallRecord[] = [];
    const queued: Queued[] = [];
    const timed = async (client: Client, tool: string, args: Record<string, unknown>) => {
      const started = performance.now();
      try {
        const result = await client.callTool({ name: tool, arguments: args });
        const record: CallRecord = { tool, ms: performance.now() - started };
        if (result.isError) record.error = JSON.stringify(result.content).slice(0, 300);
        calls.push(record);
        return result.structuredContent as Record<string, unknown> | undefined;
      } catch (error) {
        calls.push({ tool, ms: performance.now() - started, error: String(error).slice(0, 300) });
        return undefined;
      }
    };

    const runClient = async (i: number) => {
      const client = clients[i]!;
      const user = users[i % users.length]!;
      const call = (tool: string, args: Record<string, unknown>) => timed(client, tool, args);
      let lastJob: string | undefined;
      // Clients i and i+5 act for the same user and ask for the same archive (thread and name): depending on
      // timing, the second is deduplicated onto the first's job or, once that is done, makes a job of its own.
      const pair = Math.floor(i / 10);
      for (let round = 0; round < CALLS_PER_CLIENT / 5; round++) {
        const threadId = user.threadIds[(pair + round) % user.threadIds.length]!;
        const archived = await call('archive_conversation', { threadId, name: `load ${pair} ${round}` });
        if (archived) {
          queued.push({ jobId: String(archived.jobId), deduplicated: archived.deduplicated === true });
          lastJob = String(archived.jobId);
        }
        await call('search_archives', { query: QUERIES[(i + round) % QUERIES.length]! });
        if (lastJob) await call('get_job', { jobId: lastJob });
        await call('search_archives', { query: QUERIES[(i + round + 3) % QUERIES.length]!, limit: 5 });
        if (lastJob) await call('get_job', { jobId: lastJob });
      }
    };
    const callsStarted = performance.now();
    await Promise.all(clients.map((_, i) => runClient(i)));
    const callsMs = performance.now() - callsStarted;
    await Promise.all(clients.map((c) => c.close()));

    const failed = calls.filter((c) => c.error);
    expect(failed.slice(0, 5)).toEqual([]);
    expect(calls).toHaveLength(CLIENTS * CALLS_PER_CLIENT);

    // Every job accounted for: each call that was not deduplicated made a job of its own; deduplicated calls name
    // one of those; the queue holds exactly those jobs, and each completed with one archive, item and document.
    const created = new Set(queued.filter((q) => !q.deduplicated).map((q) => q.jobId));
    expect(created.size).toBe(queued.filter((q) => !q.deduplicated).length);
    for (const q of queued.filter((q) => q.deduplicated)) expect(created.has(q.jobId)).toBe(true);

    const drainStarted = performance.now();
    const states = await eventually(
      'every archive job to complete',
      async () => {
        const { rows } = await sql<{ state: string; n: number }>`
          SELECT state, count(*)::int AS n FROM pgboss.job WHERE name = ${archiveConversationJob.queue} GROUP BY state`.execute(db.owner);
        const byState = Object.fromEntries(rows.map((r) => [r.state, r.n]));
        const total = rows.reduce((sum, r) => sum + r.n, 0);
        return total === created.size && byState.completed === total ? byState : undefined;
      },
      180_000,
    );
    const drainMs = performance.now() - drainStarted;
    expect(states).toEqual({ completed: created.size });
    const { rows: ids } = await sql<{ id: string }>`SELECT id FROM pgboss.job WHERE name = ${archiveConversationJob.queue}`.execute(db.owner);
    expect(new Set(ids.map((r) => r.id))).toEqual(created);
    const { rows: written } = await sql<{ archives: number; items: number; documents: number; dead: number }>`
      SELECT (SELECT count(*)::int FROM archive) AS archives, (SELECT count(*)::int FROM archive_item) AS items,
             (SELECT count(*)::int FROM mcp_archiver.search_document) AS documents,
             (SELECT count(*)::int FROM pgboss.job WHERE name = ${archiveConversationJob.deadLetterQueue}) AS dead`.execute(db.owner);
    expect(written[0]).toEqual({ archives: created.size, items: created.size, documents: created.size, dead: 0 });

    // Every call is in the audit trail.
    const { rows: audited } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM mcp_archiver.audit_log WHERE transport = 'http' AND outcome = 'ok'`.execute(db.owner);
    expect(audited[0]?.n).toBe(calls.length);

    // Time inside the server's tool code (audit duration), to tell queueing from work.
    const { rows: inside } = await sql<{ p50: number; p99: number }>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p99
      FROM mcp_archiver.audit_log WHERE transport = 'http'`.execute(db.owner);
    const byTool = (tool: string) => figures(calls.filter((c) => c.tool === tool).map((c) => c.ms));
    const report = {
      clients: CLIENTS,
      callsPerClient: CALLS_PER_CLIENT,
      calls: calls.length,
      failedCalls: failed.length,
      archiveCalls: queued.length,
      jobs: created.size,
      deduplicated: queued.length - created.size,
      connectMs: Math.round(connectMs),
      callsMs: Math.round(callsMs),
      callsPerSecond: Math.round((calls.length / callsMs) * 1000),
      drainAfterCallsMs: Math.round(drainMs),
      all: figures(calls.map((c) => c.ms)),
      insideToolMs: inside[0],
      archive_conversation: byTool('archive_conversation'),
      get_job: byTool('get_job'),
      search_archives: byTool('search_archives'),
    };
    console.log(`load report ${JSON.stringify(report)}`);
    if (process.env.LOAD_REPORT) fs.writeFileSync(process.env.LOAD_REPORT, `${JSON.stringify(report, null, 2)}\n`);
  });
});
