// MCP server latency over Streamable HTTP, against a real `chat-archiver mcp` process and PostgreSQL:
//   archive_conversation (enqueue) with 1 and 20 concurrent clients, p50/p99;
//   search_archives over the demo conversations, each archived with its search document, p50/p95.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/mcp.ts [threadsPerUser] [users]
// It creates a database and a role of its own (both named ca_bench_mcp…) and drops them at the end.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sql, type Kysely } from 'kysely';
import { extractMessageContent } from '../src/analysis/message-parts.ts';
import { LanguageTally } from '../src/analysis/language-guess.ts';
import { actingAs } from '../src/db/acting-user.ts';
import { createDb, withDatabase } from '../src/db/connect.ts';
import type { Database } from '../src/db/database.ts';
import { migrateDatabase } from '../src/db/prepare-database.ts';
import { DEFAULT_DEMO_OPTIONS, ensureHostSchema, seedDemoData } from '../src/demo/seed-demo.ts';
import { issueAccessToken } from '../src/mcp/access-tokens.ts';
import { upsertSearchDocument } from '../src/search/search-document.ts';
import { adminQuery, freePort } from '../test/support/test-cluster.ts';

const threadsPerUser = Number(process.argv[2] ?? DEFAULT_DEMO_OPTIONS.threadsPerUser);
const users = Number(process.argv[3] ?? DEFAULT_DEMO_OPTIONS.users);
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('set DATABASE_URL to a PostgreSQL server where a database may be created');

const ROLE = 'ca_bench_mcp';
const PASSWORD = 'bench-mcp-password-0123';
const DATABASE = `ca_bench_mcp_${process.pid}`;
const SEQUENTIAL_CALLS = 300;
const CONCURRENT_CLIENTS = 20;
const CALLS_PER_CONCURRENT_CLIENT = 40;
const SEARCH_ROUNDS = 30;
const QUERIES = ['pool', 'idle connections', 'revenue quarter', 'useEffect', 'ECB rate', 'Lisbonne hôtel', 'tarte tatin', 'deploiement kubernetes', '"connection pool" -revenue'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return { n: sorted.length, p50: f(percentile(sorted, 50)), p95: f(percentile(sorted, 95)), p99: f(percentile(sorted, 99)), max: f(sorted.at(-1)!) };
}

async function archiveAllThreads(owner: Kysely<Database>, service: Kysely<Database>): Promise<number> {
  const threads = await owner.selectFrom('chat_thread').select(['id', 'title', 'user_id']).execute();
  for (const thread of threads) {
    const messages = await owner.selectFrom('chat_message').select(['parts']).where('thread_id', '=', thread.id).orderBy('created_at').execute();
    const tally = new LanguageTally();
    const texts = messages.map((m) => extractMessageContent(m.parts).text);
    for (const text of texts) tally.add(text);
    const language = tally.guess().language === 'fr' ? 'french' : 'english';
    await actingAs(service, { userId: thread.user_id }, async (trx) => {
      const archive = await trx.insertInto('archive').values({ name: `Archive of ${thread.title || 'untitled'}`, user_id: thread.user_id, export_format: 'json' }).returning('id').executeTakeFirstOrThrow();
      const item = await trx.insertInto('archive_item').values({ archive_id: archive.id, item_id: thread.id, user_id: thread.user_id, tokens_count: 0, content_summary: texts[0]?.slice(0, 300) ?? '' }).returning('id').executeTakeFirstOrThrow();
      await upsertSearchDocument(trx, {
        archiveItemId: item.id, archiveId: archive.id, userId: thread.user_id, threadId: thread.id, threadTitle: thread.title,
        archiveName: `Archive of ${thread.title || 'untitled'}`, archiveDescription: null, summary: texts[0]?.slice(0, 300) ?? '',
        body: texts.join('\n\n'), language, tokensCount: 0,
      });
    });
  }
  return threads.length;
}

async function startServer(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'src/cli.ts', 'mcp'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`mcp exited with ${code}`)));
  });
  return {
    url,
    stop: () => new Promise((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

async function timed(call: () => Promise<{ isError?: unknown }>): Promise<number> {
  const started = performance.now();
  const result = await call();
  const elapsed = performance.now() - started;
  if (result.isError) throw new Error(`call failed: ${JSON.stringify(result)}`);
  return elapsed;
}

await adminQuery(adminUrl, `DO $$ BEGIN CREATE ROLE ${ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
await adminQuery(adminUrl, `CREATE DATABASE "${DATABASE}"`);
const ownerUrl = withDatabase(adminUrl, DATABASE);
const owner = createDb(ownerUrl, { max: 4 });
const serviceUrl = new URL(ownerUrl);
serviceUrl.username = ROLE;
serviceUrl.password = PASSWORD;
const service = createDb(serviceUrl.toString(), { max: 4 });
let server: { url: string; stop: () => Promise<void> } | undefined;
try {
  await ensureHostSchema(owner as Kysely<unknown>);
  const seeded = await seedDemoData(owner as Kysely<unknown>, { ...DEFAULT_DEMO_OPTIONS, users, threadsPerUser, until: new Date('2026-01-31T00:00:00Z') });
  await migrateDatabase(ownerUrl, { user: ROLE, password: PASSWORD });
  const setupStarted = performance.now();
  const archived = await archiveAllThreads(owner, service);
  const { rows: size } = await sql<{ mb: string }>`SELECT round(pg_total_relation_size('mcp_archiver.search_document') / 1048576.0, 1)::text AS mb`.execute(owner);
  console.error(`seeded ${seeded.messages} messages in ${seeded.threads} threads; archived ${archived} in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s; search_document ${size[0]?.mb} MB`);

  const people = await owner.selectFrom('chat_thread').select(['user_id', sql<string[]>`array_agg(id)`.as('threads')]).groupBy('user_id').execute();
  const tokens = await Promise.all(people.map(async (p) => ({ userId: p.user_id, threads: p.threads, token: (await issueAccessToken(owner, { userId: p.user_id, name: 'bench', admin: false, expiresAt: null })).token })));

  server = await startServer({ DATABASE_URL: ownerUrl, MCP_DB_USER: ROLE, MCP_DB_PASSWORD: PASSWORD, PORT: String(await freePort()), LOG_LEVEL: 'info' });
  let call = 0;
  const archiveCall = (client: Client, who: (typeof tokens)[number]) => () =>
    client.callTool({ name: 'archive_conversation', arguments: { threadId: who.threads[call % who.threads.length], name: `bench ${call++}` } }) as Promise<{ isError?: unknown }>;

  // One client, calls in sequence.
  const solo = await connect(server.url, tokens[0]!.token);
  for (let i = 0; i < 30; i++) await timed(archiveCall(solo, tokens[0]!));
  const sequential: number[] = [];
  const sequentialStarted = performance.now();
  for (let i = 0; i < SEQUENTIAL_CALLS; i++) sequential.push(await timed(archiveCall(solo, tokens[0]!)));
  const sequentialRate = SEQUENTIAL_CALLS / ((performance.now() - sequentialStarted) / 1000);

  // Twenty clients (spread over the users), each calling in sequence, all at once.
  const clients = await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, (_, i) => connect(server!.url, tokens[i % tokens.length]!.token)));
  const concurrent: number[] = [];
  const concurrentStarted = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = 0; n < CALLS_PER_CONCURRENT_CLIENT; n++) concurrent.push(await timed(archiveCall(client, tokens[i % tokens.length]!)));
    }),
  );
  const concurrentRate = concurrent.length / ((performance.now() - concurrentStarted) / 1000);

  // Search: every query, SEARCH_ROUNDS times, by one client (a user with archives).
  const searches: number[] = [];
  const hitsPerQuery: Record<string, number> = {};
  for (let round = 0; round < SEARCH_ROUNDS + 3; round++) {
    for (const query of QUERIES) {
      let hits = 0;
      const ms = await timed(async () => {
        const result = await solo.callTool({ name: 'search_archives', arguments: { query, limit: 10 } });
        hits = ((result.structuredContent as { hits?: unknown[] } | undefined)?.hits ?? []).length;
        return result as { isError?: unknown };
      });
      if (round >= 3) searches.push(ms);
      hitsPerQuery[query] = hits;
    }
  }
  for (const c of [solo, ...clients]) await c.close();
  // The tool's own time inside the server (validation, ownership check, enqueue; the audit insert comes after).
  const { rows: inTool } = await sql<{ p50: number; p99: number }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
    FROM mcp_archiver.audit_log WHERE operation = 'archive_conversation'`.execute(owner);
  console.error(`archive_conversation inside the server (audit duration_ms, all calls): p50 ${inTool[0]?.p50} ms, p99 ${inTool[0]?.p99} ms`);

  const s1 = summary(sequential);
  const s20 = summary(concurrent);
  const ss = summary(searches);
  console.log(`| case | calls | p50 ms | p95 ms | p99 ms | max ms | calls/s |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|`);
  console.log(`| archive_conversation, 1 client | ${s1.n} | ${s1.p50} | ${s1.p95} | ${s1.p99} | ${s1.max} | ${sequentialRate.toFixed(0)} |`);
  console.log(`| archive_conversation, ${CONCURRENT_CLIENTS} concurrent clients | ${s20.n} | ${s20.p50} | ${s20.p95} | ${s20.p99} | ${s20.max} | ${concurrentRate.toFixed(0)} |`);
  console.log(`| search_archives (${archived} archived threads, ${QUERIES.length} queries), 1 client | ${ss.n} | ${ss.p50} | ${ss.p95} | ${ss.p99} | ${ss.max} | |`);
  console.error(`hits per query (limit 10): ${JSON.stringify(hitsPerQuery)}`);
} finally {
  await server?.stop();
  await owner.destroy();
  await service.destroy();
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
  await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${ROLE}`).catch((error: unknown) => console.error(`role ${ROLE} kept: ${String(error)}`));
}
