// 8. Conversation search: the message index's backfill over 1,000,000 messages, an incremental pass over 10,000 new
// ones, and search_conversations latency for a user with 10,000 threads (100,000 messages) in that database
// (quick: 20,000 messages). Backfill and incremental pass run `runIndexPass()` (src/search/message-index-pass.ts)
// as the service role with the worker's defaults; latency is measured around `searchConversations()` as the
// service role (row-level security on), the tool's query without the HTTP and MCP layers.
//   node bench/conversation-search.ts [--quick]
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { createDb } from '../src/db/connect.ts';
import { createLogger } from '../src/logger.ts';
import { actingAs } from '../src/db/acting-user.ts';
import { searchConversations } from '../src/search/conversation-search.ts';
import { similarTitleHits } from '../src/sql/message-index-search.ts';
import { runIndexPass, type IndexPassOptions } from '../src/search/message-index-pass.ts';
import { benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { markdownTable } from './support/markdown-table.ts';
import { recallAt10 } from './support/recall.ts';
import { fixed, summarize } from './support/stats.ts';

const run = startBenchRun();
const users = 10;
const messagesPerThread = 10;
const totalMessages = Number(process.env.BENCH_CONVERSATION_MESSAGES ?? (run.quick ? 20_000 : 1_000_000));
const newMessages = run.quick ? 2_000 : 10_000;
const rounds = run.quick ? 10 : 30;
const threadsPerUser = totalMessages / users / messagesPerThread;
// Common and rare words of the demo corpus, a phrase, an exclusion, French with accents, a typo (trigram fallback).
const QUERIES = ['pool', 'idle connections', 'revenue quarter', 'useEffect', 'Lisbonne hôtel', 'tarte tatin', '"connection pool" -revenue', 'kubernetes deploiement', 'kubernetse'];

const defaults = loadConfig({}).searchIndex;
const db = await createBenchDatabase(benchAdminUrl(), { users, threadsPerUser, messagesPerThread });
const service = createDb(db.serviceUrl, { max: 2 });
const passOptions: IndexPassOptions = {
  batchSize: defaults.batchSize,
  sweepThreads: defaults.sweepThreads,
  lookbackSeconds: 300,
  log: createLogger('silent'),
};
const perQuery = new Map<string, { ms: number[]; threads: number; matchedBy: string; recall: number | null }>();
let backfill = { seconds: 0, messages: 0 };
let incremental = { seconds: 0, messages: 0, reindexed: 0 };
let sizes = { indexMB: 0, rawMB: 0, partsMB: 0, messageIndexMB: 0, wordsMB: 0, threadsMB: 0, words: 0 };
let layout = { heapPages: 0, userRows: 0, userPages: 0, poolMatches: 0, poolPages: 0 };
// The title lookup alone: the typo fallback's last step, run when full text and the vocabulary find too few threads.
const TITLE_TYPO = 'kubernetse';
const titleLookup = { ms: [] as number[], found: 0 };
try {
  progress(`conversation-search: ${db.seeded?.messages} messages seeded in ${((db.seeded?.durationMs ?? 0) / 1000).toFixed(0)} s; backfill (load ${run.sampleLoad()})`);
  let started = performance.now();
  const first = await runIndexPass(service, passOptions);
  backfill = { seconds: (performance.now() - started) / 1000, messages: first.indexed };
  if (!first.backfillCompleted) throw new Error('the backfill did not complete');
  await sql`ANALYZE mcp_archiver.message_index, mcp_archiver.message_index_thread, mcp_archiver.message_index_word`.execute(db.owner);

  const { rows: size } = await sql<{ index: string; message: string; words: string; threads: string; raw: string; parts: string; word_count: string }>`
    SELECT (pg_total_relation_size('mcp_archiver.message_index') + pg_total_relation_size('mcp_archiver.message_index_word')
            + pg_total_relation_size('mcp_archiver.message_index_thread'))::text AS index,
           pg_total_relation_size('mcp_archiver.message_index')::text AS message,
           pg_total_relation_size('mcp_archiver.message_index_word')::text AS words,
           pg_total_relation_size('mcp_archiver.message_index_thread')::text AS threads,
           pg_total_relation_size('chat_message')::text AS raw,
           (SELECT sum(pg_column_size(parts)) FROM chat_message)::text AS parts,
           (SELECT count(*) FROM mcp_archiver.message_index_word)::text AS word_count`.execute(db.owner);
  const mb = (v: string | undefined) => Number(v) / 1e6;
  sizes = {
    indexMB: mb(size[0]?.index),
    rawMB: mb(size[0]?.raw),
    partsMB: mb(size[0]?.parts),
    messageIndexMB: mb(size[0]?.message),
    wordsMB: mb(size[0]?.words),
    threadsMB: mb(size[0]?.threads),
    words: Number(size[0]?.word_count),
  };

  // New messages in existing threads of every user, after everything indexed: what the next scheduled pass sees.
  progress(`conversation-search: ${newMessages} new messages, one incremental pass (load ${run.sampleLoad()})`);
  await sql`
    INSERT INTO chat_message (id, thread_id, role, parts, metadata, created_at)
    SELECT 'bench-new-' || m.n, m.thread_id, m.role, m.parts, m.metadata, (now() AT TIME ZONE 'UTC') + m.n * interval '1 millisecond'
    FROM (SELECT thread_id, role, parts, metadata, row_number() OVER () AS n FROM chat_message LIMIT ${newMessages}) AS m`.execute(db.owner);
  await sql`ANALYZE chat_message`.execute(db.owner);
  started = performance.now();
  const second = await runIndexPass(service, passOptions);
  incremental = { seconds: (performance.now() - started) / 1000, messages: second.indexed, reindexed: second.reindexed };

  const { rows: searchers } = await sql<{ user_id: string; threads: number }>`
    SELECT user_id, count(*)::int AS threads FROM chat_thread GROUP BY user_id ORDER BY user_id LIMIT 1`.execute(db.owner);
  const searcher = searchers[0]!.user_id;
  // Heap pages that hold the searching user's rows, and those that `pool` (a common word) makes a search visit.
  const { rows: pages } = await sql<{ heap: number; rows: number; pages: number; matches: number; match_pages: number }>`
    SELECT (pg_relation_size('mcp_archiver.message_index') / current_setting('block_size')::int)::int AS heap,
           count(*)::int AS rows, count(DISTINCT (t.ctid::text::point)[0])::int AS pages,
           count(*) FILTER (WHERE t.document @@ q.q)::int AS matches,
           count(DISTINCT (t.ctid::text::point)[0]) FILTER (WHERE t.document @@ q.q)::int AS match_pages
    FROM mcp_archiver.message_index t
    CROSS JOIN (SELECT websearch_to_tsquery('mcp_archiver.english_unaccent', 'pool') || websearch_to_tsquery('mcp_archiver.french_unaccent', 'pool') AS q) q
    WHERE t.user_id = ${searcher}`.execute(db.owner);
  layout = { heapPages: pages[0]!.heap, userRows: pages[0]!.rows, userPages: pages[0]!.pages, poolMatches: pages[0]!.matches, poolPages: pages[0]!.match_pages };
  progress(`conversation-search: ${rounds} rounds of ${QUERIES.length} queries for a user with ${searchers[0]!.threads} threads (load ${run.sampleLoad()})`);
  // The top 10 threads of full ranking (every match ranked, as the owner: no policy) for the full-text queries.
  const reference = async (query: string) =>
    (
      await sql<{ thread_id: string }>`
      SELECT th.thread_id FROM (
        SELECT i.thread_id, max(ts_rank_cd(i.document, s.q)) AS rank, max(i.created_at) AS last_match_at
        FROM mcp_archiver.message_index i
        CROSS JOIN (SELECT websearch_to_tsquery('mcp_archiver.english_unaccent', ${query}) || websearch_to_tsquery('mcp_archiver.french_unaccent', ${query}) AS q) s
        WHERE i.user_id = ${searcher} AND i.document @@ s.q GROUP BY i.thread_id) th
      JOIN chat_thread t ON t.id = th.thread_id
      ORDER BY th.rank DESC, th.last_match_at DESC, th.thread_id LIMIT 10`.execute(db.owner)
    ).rows.map((r) => r.thread_id);
  for (let round = 0; round < rounds + 2; round++) {
    for (const query of QUERIES) {
      const t0 = performance.now();
      const result = await searchConversations(service, { userId: searcher, query, limit: 10, timeoutMs: 5_000 });
      const ms = performance.now() - t0;
      if (result.kind !== 'hits') throw new Error(`no search terms in ${query}`);
      let entry = perQuery.get(query);
      if (!entry) {
        const matchedBy = result.hits[0]?.matchedBy ?? '-';
        const recall = matchedBy === 'full-text' ? recallAt10(await reference(query), result.hits.map((h) => h.threadId)) : null;
        entry = { ms: [], threads: result.hits.length, matchedBy, recall };
        perQuery.set(query, entry);
      }
      if (round >= 2) entry.ms.push(ms);
    }
  }
  for (let round = 0; round < rounds + 2; round++) {
    const t0 = performance.now();
    const titles = await actingAs(service, { userId: searcher }, (trx) => similarTitleHits(trx, TITLE_TYPO, { userId: searcher }, 10));
    if (round >= 2) titleLookup.ms.push(performance.now() - t0);
    titleLookup.found = titles.length;
  }
  if (process.env.BENCH_EXPLAIN) {
    const { rows: plan } = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN (ANALYZE, BUFFERS)
      SELECT i.thread_id, max(ts_rank_cd(i.document, q.q)) FROM mcp_archiver.message_index i
      CROSS JOIN (SELECT websearch_to_tsquery('mcp_archiver.english_unaccent', 'pool') || websearch_to_tsquery('mcp_archiver.french_unaccent', 'pool') AS q) q
      WHERE i.user_id = ${searcher} AND i.document @@ q.q GROUP BY i.thread_id`.execute(db.owner);
    process.stderr.write(`${plan.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  }
} finally {
  await service.destroy();
  await db.drop();
}

const all = summarize([...perQuery.values()].flatMap((q) => q.ms));
const recalls = [...perQuery.values()].flatMap((q) => (q.recall === null ? [] : [q.recall]));
const ms = (v: number) => fixed(v, 1);
const rate = (messages: number, seconds: number) => Math.round(messages / seconds).toLocaleString('en-US');
const searcherMessages = (threadsPerUser * messagesPerThread).toLocaleString('en-US');
printSection({
  id: 'conversation-search',
  title: `8. Conversation search over ${totalMessages.toLocaleString('en-US')} messages`,
  body: [
    `Demo data: ${users} users × ${threadsPerUser.toLocaleString('en-US')} threads × ${messagesPerThread} messages. ` +
      `\`runIndexPass()\` as the service role with the worker's defaults (batch ${defaults.batchSize}, sweep ${defaults.sweepThreads} threads); ` +
      `\`searchConversations()\` for one user (${threadsPerUser.toLocaleString('en-US')} threads, ${searcherMessages} messages), limit 10, ` +
      `${rounds} rounds of the ${QUERIES.length} queries after 2 warm-up rounds. ${run.loadSummary()}.`,
    '',
    markdownTable(
      ['step', '>messages', '>seconds', '>messages/s'],
      [
        ['backfill (first pass, empty index)', backfill.messages.toLocaleString('en-US'), fixed(backfill.seconds, 1), rate(backfill.messages, backfill.seconds)],
        [`incremental pass (new messages; sweep re-checked ${incremental.reindexed} rewritten)`, incremental.messages.toLocaleString('en-US'), fixed(incremental.seconds, 2), rate(incremental.messages, incremental.seconds)],
      ],
    ),
    '',
    `Index size: ${fixed(sizes.indexMB, 0)} MB in all (messages ${fixed(sizes.messageIndexMB, 0)} MB with their GIN and btree indexes, ` +
      `vocabulary ${fixed(sizes.wordsMB, 0)} MB for ${sizes.words.toLocaleString('en-US')} words, threads ${fixed(sizes.threadsMB, 0)} MB) against ` +
      `${fixed(sizes.partsMB, 0)} MB of raw message parts (chat_message ${fixed(sizes.rawMB, 0)} MB with its indexes): ` +
      `${fixed(sizes.indexMB / sizes.partsMB, 2)} × the raw parts. Layout: the searching user's ${layout.userRows.toLocaleString('en-US')} rows lie on ` +
      `${layout.userPages.toLocaleString('en-US')} of the index's ${layout.heapPages.toLocaleString('en-US')} heap pages; \`pool\`'s ` +
      `${layout.poolMatches.toLocaleString('en-US')} matches on ${layout.poolPages.toLocaleString('en-US')}.`,
    '',
    markdownTable(
      ['query', '>threads returned', 'matched by', '>recall@10 vs full ranking', '>p50 ms', '>p95 ms'],
      [
        ...[...perQuery].map(([query, q]) => {
          const s = summarize(q.ms);
          return [`\`${query}\``, String(q.threads), q.matchedBy, q.recall === null ? '–' : fixed(q.recall, 2), ms(s.p50), ms(s.p95)];
        }),
        ['**all queries**', '', '', recalls.length ? fixed(recalls.reduce((a, b) => a + b, 0) / recalls.length, 2) : '–', `**${ms(all.p50)}**`, `**${ms(all.p95)}**`],
      ],
    ),
    '',
    `Title lookup alone (\`similarTitleHits\`, pg_trgm \`<%\` through the trigram index of the user's ${threadsPerUser.toLocaleString('en-US')} ` +
      `thread titles, migration 0027; the last step of the typo fallback), \`${TITLE_TYPO}\`, ${rounds} rounds: ${titleLookup.found} titles, ` +
      `p50 ${ms(summarize(titleLookup.ms).p50)} ms, p95 ${ms(summarize(titleLookup.ms).p95)} ms.`,
  ].join('\n'),
});
