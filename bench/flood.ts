// 8. Flood: one token floods the MCP server with expensive search_archives calls (30 at once, plus JSON-RPC batches of
// 30), while another user's agent calls list_archives in sequence. Latency of those list_archives calls with and
// without the flood, against a real `chat-archiver mcp` process; and what the flood itself was answered.
//   node bench/flood.ts [--quick]
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { issueAccessToken } from '../src/mcp/access-tokens.ts';
import { BENCH_DEMO_UNTIL, benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { CLI_SCRIPT, MCP_READY, startChildService } from './support/child-service.ts';
import { markdownTable } from './support/markdown-table.ts';
import { fixed, summarize } from './support/stats.ts';

const run = startBenchRun();
const documents = run.quick ? 2_000 : 15_000;
const victimCalls = run.quick ? 40 : 300;
const VICTIM_SECONDS = run.quick ? 30 : 90;
const FLOOD_PARALLEL = 30;
const FLOOD_BATCHES = 2;
const BATCH_SIZE = 30;
// Common words of every document: each search ranks and snippets thousands of matches.
const FLOOD_QUERIES = ['pool connections', 'harbour boats', 'quarter revenue', 'pool OR harbour OR revenue'];

const db = await createBenchDatabase(benchAdminUrl(), { users: 2, threadsPerUser: 3, messagesPerThread: 4, until: BENCH_DEMO_UNTIL });
let section = '';
try {
  const { rows: users } = await sql<{ user_id: string }>`SELECT DISTINCT user_id FROM chat_thread ORDER BY user_id`.execute(db.owner);
  const [flooder, victim] = users.map((u) => u.user_id) as [string, string];
  const thread = await db.owner.selectFrom('chat_thread').select('id').where('user_id', '=', flooder).executeTakeFirstOrThrow();
  progress(`flood: ${documents} search documents for the flooding user`);
  const body = "Connection pool exhaustion in the harbour service; the quarter revenue report waits on idle connections. ".repeat(40);
  await sql`INSERT INTO archive (id, name, user_id) SELECT gen_random_uuid(), 'Archive ' || g, ${flooder}::uuid FROM generate_series(1, ${documents}) g`.execute(db.owner);
  await sql`INSERT INTO archive_item (id, archive_id, item_id, user_id) SELECT id, id, ${thread.id}::uuid, user_id FROM archive WHERE user_id = ${flooder}::uuid`.execute(db.owner);
  await sql`INSERT INTO mcp_archiver.search_document (archive_item_id, archive_id, user_id, thread_id, thread_title, archive_name, language, body, document, tokens_count)
            SELECT a.id, a.id, a.user_id, ${thread.id}::uuid, 'Pool notes ' || a.name, a.name, 'english', ${body} || a.name,
                   to_tsvector('mcp_archiver.english_unaccent', ${body} || a.name) || to_tsvector('mcp_archiver.french_unaccent', ${body}), 0
            FROM archive a WHERE a.user_id = ${flooder}::uuid`.execute(db.owner);
  await sql`INSERT INTO archive (name, user_id) SELECT 'Victim archive ' || g, ${victim}::uuid FROM generate_series(1, 20) g`.execute(db.owner);
  await sql`ANALYZE`.execute(db.owner);
  const floodToken = (await issueAccessToken(db.owner, { userId: flooder, name: 'flood', admin: false, expiresAt: null })).token;
  // One token per phase: the victim's own 300 calls a minute would otherwise refuse its later calls.
  const victimToken = async (phase: string) => (await issueAccessToken(db.owner, { userId: victim, name: `victim ${phase}`, admin: false, expiresAt: null })).token;

  const mcp = await startChildService(CLI_SCRIPT, ['mcp'], { ...db.env, LOG_LEVEL: 'silent' }, MCP_READY);
  const url = mcp.ready[1]!;
  const post = async (token: string, body: string, timeoutMs = 60_000) => {
    const response = await fetch(url, {
      method: 'POST',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body,
    });
    const text = await response.text();
    return { status: response.status, text };
  };
  let id = 0;
  const call = (name: string, args: unknown) => ({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } });
  // At most VICTIM_SECONDS of calls (a starved server would take hours for all of them); a call over 20 s fails.
  const victimLatencies = async (n: number, token: string) => {
    const ms: number[] = [];
    let failed = 0;
    const until = performance.now() + VICTIM_SECONDS * 1000;
    for (let i = 0; i < n && performance.now() < until; i++) {
      const started = performance.now();
      const answer = await post(token, JSON.stringify(call('list_archives', { limit: 20 })), 20_000).catch(() => undefined);
      ms.push(performance.now() - started);
      if (answer?.status !== 200 || JSON.parse(answer.text).result?.isError) failed++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { ms, failed };
  };
  try {
    await victimLatencies(10, await victimToken('warm-up'));
    progress(`flood: ${victimCalls} quiet list_archives calls (load ${run.sampleLoad()})`);
    const quiet = await victimLatencies(victimCalls, await victimToken('quiet'));

    const flood = new Worker(new URL('./support/flood-client.ts', import.meta.url), {
      workerData: { url, token: floodToken, queries: FLOOD_QUERIES, parallel: FLOOD_PARALLEL, batches: FLOOD_BATCHES, batchSize: BATCH_SIZE },
    });
    const floodEnded = new Promise<Array<[string, number]>>((resolve, reject) => {
      flood.once('message', resolve);
      flood.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    progress(`flood: ${victimCalls} list_archives calls under the flood (load ${run.sampleLoad()})`);
    const floodStarted = performance.now();
    const floodPhaseToken = await victimToken('flood');
    const flooded = await victimLatencies(victimCalls, floodPhaseToken);
    const floodSeconds = (performance.now() - floodStarted) / 1000;
    flood.postMessage('stop');
    const floodAnswers = new Map(await floodEnded);
    await flood.terminate();

    const q = summarize(quiet.ms);
    const f = summarize(flooded.ms);
    const ms = (v: number) => fixed(v, 1);
    section = [
      `A real \`chat-archiver mcp\` process (default limits), ${documents.toLocaleString('en-US')} search documents of one user ` +
        `(each matching every flood query). The flood: that user's token runs ${FLOOD_PARALLEL} \`search_archives\` calls at once in a loop ` +
        `(limit 50, never waiting on a refusal, on an event loop of its own) and ${FLOOD_BATCHES} loops of JSON-RPC batches of ${BATCH_SIZE} such calls. Meanwhile another ` +
        `user's token calls \`list_archives\` (20 archives) ${victimCalls} times in sequence, 10 ms apart, timed around each POST; the same ` +
        `calls without the flood first. Flood client, victim client and server share the machine's cores. ${run.loadSummary()}.`,
      '',
      markdownTable(
        ['list_archives of another user', '>calls', '>failed', '>p50 ms', '>p95 ms', '>p99 ms', '>max ms'],
        [
          ['no flood', String(q.n), String(quiet.failed), ms(q.p50), ms(q.p95), ms(q.p99), ms(q.max)],
          ['under the flood', String(f.n), String(flooded.failed), ms(f.p50), ms(f.p95), ms(f.p99), ms(f.max)],
        ],
      ),
      '',
      `What the flood was answered over the ${floodSeconds.toFixed(1)} s of measured calls and the 2 s before:`,
      '',
      markdownTable(['answer', '>count'], [...floodAnswers].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v.toLocaleString('en-US')])),
    ].join('\n');
  } finally {
    await mcp.stop();
  }
} finally {
  await db.drop();
}
printSection({ id: 'flood', title: '12. One token flooding, another user listing', body: section });
