// 1. Non-blocking tools: `archive_conversation` over Streamable HTTP (it checks ownership, enqueues, answers) beside the
// synchronous baseline (bench/support/inline-archive-server.ts: the same server doing the archive inside the request),
// on the same threads, with 1 and 50 concurrent clients. While the non-blocking server is measured a real worker
// process runs the queued jobs, so both cases share the machine with the same kind of work.
//   node bench/mcp-archive.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createBenchDatabase, benchAdminUrl, type BenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { CLI_SCRIPT, MCP_READY, startChildService, WORKER_READY, type ChildService } from './support/child-service.ts';
import { markdownTable } from './support/markdown-table.ts';
import { benchUsers, concurrentCalls, connectClient, timedToolCall, type BenchUser } from './support/mcp-clients.ts';
import { rawSendLoops } from './support/raw-send-floor.ts';
import { fixed, ratio, summarize, type LatencySummary } from './support/stats.ts';
import { freePort } from '../test/support/test-cluster.ts';

const run = startBenchRun();
const CONCURRENT = 50;

interface Plan {
  messages: number;
  /** Calls by one client in sequence (after warm-up), non-blocking and baseline. */
  soloAsync: number;
  soloInline: number;
  /** Calls by each of the 50 concurrent clients. */
  eachAsync: number;
  eachInline: number;
}
const plans: Plan[] = run.quick
  ? [
      { messages: 50, soloAsync: 20, soloInline: 5, eachAsync: 2, eachInline: 1 },
      { messages: 200, soloAsync: 20, soloInline: 3, eachAsync: 2, eachInline: 1 },
    ]
  : [
      { messages: 50, soloAsync: 300, soloInline: 100, eachAsync: 6, eachInline: 4 },
      { messages: 2_000, soloAsync: 300, soloInline: 20, eachAsync: 6, eachInline: 2 },
      { messages: 20_000, soloAsync: 300, soloInline: 5, eachAsync: 6, eachInline: 1 },
    ];

interface CaseResult {
  calls: number;
  latency: LatencySummary;
  callsPerSecond: number;
}
interface Row {
  plan: Plan;
  async1: CaseResult;
  async50: CaseResult;
  inline1: CaseResult;
  inline50: CaseResult;
  /** The floor: 50 raw `boss.send()` loops, right after the non-blocking run, the worker still running. */
  raw50: CaseResult;
  jobsDoneMeanwhile: number;
}

async function measure(url: string, users: BenchUser[], solo: number, each: number, label: string): Promise<[CaseResult, CaseResult]> {
  let n = 0;
  const archive = async (client: Awaited<ReturnType<typeof connectClient>>, user: BenchUser) =>
    (await timedToolCall(client, 'archive_conversation', { threadId: user.threadIds[n % user.threadIds.length], name: `${label} ${n++}` })).ms;
  const first = users[0]!;
  const single = await connectClient(url, first.token);
  for (let i = 0; i < 3; i++) await archive(single, first); // warm-up: JIT, pools, the token counter's ranks
  const one = await concurrentCalls([single], solo, (client) => archive(client, first));
  const clients = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => connectClient(url, users[i % users.length]!.token)));
  const many = await concurrentCalls(clients, each, (client, c) => archive(client, users[c % users.length]!));
  for (const client of [single, ...clients]) await client.close();
  return [
    { calls: one.latencies.length, latency: summarize(one.latencies), callsPerSecond: one.callsPerSecond },
    { calls: many.latencies.length, latency: summarize(many.latencies), callsPerSecond: many.callsPerSecond },
  ];
}

async function measurePlan(adminUrl: string, plan: Plan, exportDir: string): Promise<Row> {
  progress(`mcp-archive: seeding 5 users × ${plan.messages}-message threads`);
  const db: BenchDatabase = await createBenchDatabase(adminUrl, { users: 5, threadsPerUser: plan.messages >= 20_000 ? 1 : 2, messagesPerThread: plan.messages });
  const services: ChildService[] = [];
  try {
    const users = await benchUsers(db.owner);
    // The per-token call limit and per-user job quotas are lifted: this measures the enqueue path, not the limits.
    const env = {
      ...db.env,
      EXPORT_DIR: exportDir,
      SHUTDOWN_TIMEOUT_MS: '1000',
      MCP_TOKEN_CALLS_PER_MINUTE: '100000',
      MCP_TOKEN_MAX_CONCURRENT_CALLS: '1000',
      MCP_ARCHIVE_JOBS_PER_USER: '100000',
      MCP_JOBS_PER_USER: '100000',
    };

    progress(`mcp-archive: ${plan.messages} messages, non-blocking (server + worker)`);
    const worker = await startChildService(CLI_SCRIPT, ['worker'], env, WORKER_READY);
    services.push(worker);
    const server = await startChildService(CLI_SCRIPT, ['mcp'], { ...env, PORT: String(await freePort()) }, MCP_READY);
    services.push(server);
    const [async1, async50] = await measure(server.ready[1]!, users, plan.soloAsync, plan.eachAsync, 'queued');
    await server.stop();
    progress(`mcp-archive: ${plan.messages} messages, raw boss.send() floor`);
    const raw = await rawSendLoops(db.serviceUrl, users, CONCURRENT, plan.eachAsync);
    const raw50 = { calls: raw.latencies.length, latency: summarize(raw.latencies), callsPerSecond: raw.callsPerSecond };
    await worker.stop();
    const { rows: done } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'archive-conversation' AND state = 'completed'`.execute(db.owner);
    // The backlog left by the non-blocking run must not compete with the baseline.
    await sql`DELETE FROM pgboss.job WHERE name = 'archive-conversation'`.execute(db.owner);

    progress(`mcp-archive: ${plan.messages} messages, inline baseline (load ${run.sampleLoad()})`);
    const inline = await startChildService('bench/support/inline-archive-server.ts', [], { ...env, PORT: String(await freePort()) }, MCP_READY);
    services.push(inline);
    const [inline1, inline50] = await measure(inline.ready[1]!, users, plan.soloInline, plan.eachInline, 'inline');
    await inline.stop();
    return { plan, async1, async50, inline1, inline50, raw50, jobsDoneMeanwhile: done[0]?.n ?? 0 };
  } finally {
    for (const service of services) await service.stop();
    await db.drop();
  }
}

const adminUrl = benchAdminUrl();
const exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-mcp-'));
const rows: Row[] = [];
try {
  for (const plan of plans) rows.push(await measurePlan(adminUrl, plan, exportDir));
} finally {
  await rm(exportDir, { recursive: true, force: true });
}

const ms = (v: number) => fixed(v, v >= 100 ? 0 : 1);
const table = markdownTable(
  ['thread', '>clients', '>calls (queued / inline)', '>non-blocking p50 ms', '>p99 ms', '>inline p50 ms', '>p99 ms', '>p50 ratio', '>p99 ratio', '>calls/s (queued / inline)'],
  rows.flatMap((r) =>
    ([[1, r.async1, r.inline1], [CONCURRENT, r.async50, r.inline50]] as const).map(([clients, a, s]) => [
      `${r.plan.messages.toLocaleString('en-US')} messages`,
      clients,
      `${a.calls} / ${s.calls}`,
      ms(a.latency.p50),
      ms(a.latency.p99),
      ms(s.latency.p50),
      ms(s.latency.p99),
      ratio(s.latency.p50, a.latency.p50),
      ratio(s.latency.p99, a.latency.p99),
      `${fixed(a.callsPerSecond, 0)} / ${fixed(s.callsPerSecond, 1)}`,
    ]),
  ),
);

const floorTable = markdownTable(
  ['thread', '>calls', '>MCP calls/s', '>raw send calls/s', '>MCP / raw (goal ≥ 0.5)', '>MCP p99 ms', '>raw p99 ms', '>p99 MCP / raw (goal ≤ 3)'],
  rows.map((r) => [
    `${r.plan.messages.toLocaleString('en-US')} messages`,
    `${r.async50.calls} / ${r.raw50.calls}`,
    fixed(r.async50.callsPerSecond, 0),
    fixed(r.raw50.callsPerSecond, 0),
    fixed(r.async50.callsPerSecond / r.raw50.callsPerSecond, 2),
    ms(r.async50.latency.p99),
    ms(r.raw50.latency.p99),
    fixed(r.async50.latency.p99 / r.raw50.latency.p99, 1),
  ]),
);

printSection({
  id: 'mcp-archive',
  title: '1. Non-blocking archive_conversation vs the same archiving inside the request',
  body: [
    `Streamable HTTP, SDK clients with bearer tokens in the bench process; latency around each \`callTool\` (one POST). ` +
      `**Non-blocking**: the real \`chat-archiver mcp\` (ownership check, enqueue, audit) while one \`chat-archiver worker\` ` +
      `(concurrency 2) runs the queued jobs on the same cores. **Inline**: bench/support/inline-archive-server.ts, the same ` +
      `server with \`archive_conversation\` running the worker's archive handler inside the request (read, count, summarise, ` +
      `analyse, JSON export, one transaction) — what a service class without a queue does. Same demo threads (5 users), ` +
      `every call a new archive name (no deduplication); 3 warm-up calls first. 50 clients call all at once, each in ` +
      `sequence; the inline baseline is bounded to the calls shown (long threads take seconds each). ` +
      `Ratio = inline / non-blocking. ${run.loadSummary()}.`,
    '',
    table,
    '',
    `**The floor**: ${CONCURRENT} loops calling pg-boss's \`send()\` directly (the same payload and singleton key, a pool of 10 ` +
      `as the MCP server has, bench/support/raw-send-floor.ts), right after the non-blocking run with the worker still ` +
      `running, against the ${CONCURRENT}-client non-blocking row:`,
    '',
    floorTable,
    '',
    `Jobs the worker finished while the non-blocking runs lasted: ${rows.map((r) => `${r.jobsDoneMeanwhile} of the ${r.plan.messages.toLocaleString('en-US')}-message threads`).join(', ')}.`,
  ].join('\n'),
});
