// 6. Search: search_archives latency over 100,000 archived items (quick: 10,000). Setup writes, per demo thread,
// the archive, its item and the item's search document in batched SQL, with the same document expression as
// upsertSearchDocument (weights A title + name, B summary, C the capped text, English and French configurations).
// Latency is measured around `searchArchives()` (src/search/archive-search.ts) as the service role: the tool's
// query without the HTTP and MCP layers (see section 1 for those).
//   node bench/search.ts [--quick]
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { LanguageTally } from '../src/analysis/language-guess.ts';
import { extractMessageContent } from '../src/chat/message-content.ts';
import { createDb } from '../src/db/connect.ts';
import { DemoGenerator } from '../src/demo/demo-data.ts';
import { capBody } from '../src/sql/search-documents.ts';
import { searchArchives } from '../src/search/archive-search.ts';
import { BENCH_DEMO_UNTIL, benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { markdownTable } from './support/markdown-table.ts';
import { recallAt10 } from './support/recall.ts';
import { fixed, summarize } from './support/stats.ts';

const run = startBenchRun();
const users = 10;
// BENCH_SEARCH_ITEMS: another size (profiling); BENCH_EXPLAIN=1 prints the plan of one search to stderr.
const items = Number(process.env.BENCH_SEARCH_ITEMS ?? (run.quick ? 3_000 : 100_000));
const rounds = run.quick ? 10 : 30;
const QUERIES = ['pool', 'idle connections', 'revenue quarter', 'useEffect', 'ECB rate', 'Lisbonne hôtel', 'tarte tatin', 'deploiement kubernetes', '"connection pool" -revenue'];
const BATCH = 500;

// The demo users only; the threads' text goes straight into archives and search documents.
const demo = { users, threadsPerUser: items / users, messagesPerThread: 8, seed: 7, days: 60, until: BENCH_DEMO_UNTIL };
const db = await createBenchDatabase(benchAdminUrl(), { ...demo, threadsPerUser: 0 });
const service = createDb(db.serviceUrl, { max: 2 });
let setupSeconds = 0;
let sizeMB = 0;
let layout = { heapMB: 0, userPages: 0, poolPages: 0 };
const perQuery = new Map<string, { ms: number[]; matches: number; reference: string[]; recall: number }>();
try {
  progress(`search: writing ${items} archives with search documents`);
  const setupStarted = performance.now();
  const generator = new DemoGenerator(demo);
  type Doc = { id: string; userId: string; threadId: string; title: string; summary: string; body: string; language: string };
  let batch: Doc[] = [];
  const flush = async () => {
    const col = <K extends keyof Doc>(k: K) => batch.map((d) => d[k]);
    await db.owner.transaction().execute(async (trx) => {
      await sql`INSERT INTO archive (id, name, user_id)
                SELECT id, 'Archive of ' || title, user_id FROM unnest(${col('id')}::uuid[], ${col('title')}::text[], ${col('userId')}::uuid[]) AS t(id, title, user_id)`.execute(trx);
      await sql`INSERT INTO archive_item (id, archive_id, item_id, user_id)
                SELECT id, id, thread_id, user_id FROM unnest(${col('id')}::uuid[], ${col('threadId')}::uuid[], ${col('userId')}::uuid[]) AS t(id, thread_id, user_id)`.execute(trx);
      const both = (text: ReturnType<typeof sql.ref>, weight: string) =>
        sql`setweight(to_tsvector('mcp_archiver.english_unaccent', ${text}) || to_tsvector('mcp_archiver.french_unaccent', ${text}), ${sql.lit(weight)}::"char")`;
      await sql`INSERT INTO mcp_archiver.search_document (archive_item_id, archive_id, user_id, thread_id, thread_title, archive_name, language, body, document, tokens_count)
                SELECT id, id, user_id, thread_id, title, 'Archive of ' || title, language, body,
                       ${both(sql.ref('heading'), 'A')} || ${both(sql.ref('summary'), 'B')} || ${both(sql.ref('body'), 'C')}, 0
                FROM (SELECT *, title || ' Archive of ' || title AS heading
                      FROM unnest(${col('id')}::uuid[], ${col('userId')}::uuid[], ${col('threadId')}::uuid[], ${col('title')}::text[],
                                  ${col('summary')}::text[], ${col('body')}::text[], ${col('language')}::text[])
                           AS t(id, user_id, thread_id, title, summary, body, language)) AS input`.execute(trx);
    });
    batch = [];
  };
  for (const user of generator.users) {
    for (const { thread, messages } of generator.threads(user)) {
      const tally = new LanguageTally();
      const texts = messages.map((m) => extractMessageContent(m.parts).text);
      for (const text of texts) tally.add(text);
      const language = tally.guess().language === 'fr' ? 'french' : 'english';
      const body = capBody(texts.join('\n\n'));
      batch.push({ id: randomUUID(), userId: user.id, threadId: thread.id, title: thread.title, summary: body.slice(0, 300), body, language });
      if (batch.length >= BATCH) await flush();
    }
  }
  if (batch.length) await flush();
  await sql`ANALYZE`.execute(db.owner);
  setupSeconds = (performance.now() - setupStarted) / 1000;
  const { rows: size } = await sql<{ bytes: string }>`SELECT pg_total_relation_size('mcp_archiver.search_document')::text AS bytes`.execute(db.owner);
  sizeMB = Number(size[0]?.bytes) / 1e6;

  // Matches per query for the searching user (what ranking and snippets work through).
  const searcher = generator.users[0]!.id;
  for (const query of QUERIES) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM mcp_archiver.search_document
      WHERE user_id = ${searcher}
        AND document @@ (websearch_to_tsquery('mcp_archiver.english_unaccent', ${query}) || websearch_to_tsquery('mcp_archiver.french_unaccent', ${query}))`.execute(db.owner);
    // The top 10 of full ranking (every match ranked, as the owner: no policy), which the search must return.
    const { rows: reference } = await sql<{ id: string }>`
      SELECT d.archive_item_id AS id FROM mcp_archiver.search_document d
      CROSS JOIN (SELECT websearch_to_tsquery('mcp_archiver.english_unaccent', ${query}) || websearch_to_tsquery('mcp_archiver.french_unaccent', ${query}) AS q) s
      WHERE d.user_id = ${searcher} AND d.document @@ s.q
      ORDER BY ts_rank_cd(d.document, s.q) DESC, d.created_at DESC, d.archive_item_id LIMIT 10`.execute(db.owner);
    perQuery.set(query, { ms: [], matches: rows[0]?.n ?? 0, reference: reference.map((r) => r.id), recall: 0 });
  }
  // Heap pages that hold the searching user's documents, and those that `pool` (a common word) makes a search visit.
  const { rows: pages } = await sql<{ heap: string; pages: number; match_pages: number }>`
    SELECT pg_relation_size('mcp_archiver.search_document')::text AS heap, count(DISTINCT (t.ctid::text::point)[0])::int AS pages,
           count(DISTINCT (t.ctid::text::point)[0]) FILTER (WHERE t.document @@ q.q)::int AS match_pages
    FROM mcp_archiver.search_document t
    CROSS JOIN (SELECT websearch_to_tsquery('mcp_archiver.english_unaccent', 'pool') || websearch_to_tsquery('mcp_archiver.french_unaccent', 'pool') AS q) q
    WHERE t.user_id = ${searcher}`.execute(db.owner);
  layout = { heapMB: Number(pages[0]!.heap) / 1e6, userPages: pages[0]!.pages, poolPages: pages[0]!.match_pages };
  if (process.env.BENCH_EXPLAIN) {
    // The query of mcp_archiver.matching_search_documents, as the owner runs it inside the function.
    const { rows: plan } = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN (ANALYZE, BUFFERS)
      SELECT d.archive_item_id, ts_rank_cd(d.document, s.q) AS rank
      FROM mcp_archiver.search_document d
      CROSS JOIN (SELECT websearch_to_tsquery('mcp_archiver.english_unaccent', 'pool') || websearch_to_tsquery('mcp_archiver.french_unaccent', 'pool') AS q) s
      WHERE d.user_id = ${searcher} AND d.document @@ s.q
      ORDER BY rank DESC, d.created_at DESC, d.archive_item_id LIMIT 30`.execute(db.owner);
    process.stderr.write(`${plan.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  }
  progress(`search: ${rounds} rounds of ${QUERIES.length} queries (load ${run.sampleLoad()})`);
  for (let round = 0; round < rounds + 2; round++) {
    for (const query of QUERIES) {
      const started = performance.now();
      const result = await searchArchives(service, { userId: searcher, query, limit: 10, timeoutMs: 5_000 });
      const ms = performance.now() - started;
      if (result.kind !== 'hits') throw new Error(`no search terms in ${query}`);
      const entry = perQuery.get(query)!;
      if (round === 0) entry.recall = recallAt10(entry.reference, result.hits.map((h) => h.archiveItemId));
      if (round >= 2) entry.ms.push(ms);
    }
  }
} finally {
  await service.destroy();
  await db.drop();
}
const all = summarize([...perQuery.values()].flatMap((q) => q.ms));
const meanRecall = [...perQuery.values()].reduce((sum, q) => sum + q.recall, 0) / perQuery.size;
const ms = (v: number) => fixed(v, 1);
printSection({
  id: 'search',
  title: `6. Search over ${items.toLocaleString('en-US')} archived items`,
  body: [
    `${items.toLocaleString('en-US')} archives of demo threads (8 messages each) over ${users} users, so ` +
      `${(items / users).toLocaleString('en-US')} documents for the searching user; search_document ${fixed(sizeMB, 0)} MB with its ` +
      `indexes (heap ${fixed(layout.heapMB, 0)} MB; the searching user's documents on ${layout.userPages.toLocaleString('en-US')} heap pages, ` +
      `\`pool\`'s matches on ${layout.poolPages.toLocaleString('en-US')}); setup ${setupSeconds.toFixed(0)} s. \`searchArchives()\` as the service role (row-level security on), limit 10, ` +
      `${rounds} rounds of the ${QUERIES.length} queries after 2 warm-up rounds. ${run.loadSummary()}.`,
    '',
    markdownTable(
      ['query', '>matching documents', '>recall@10 vs full ranking', '>p50 ms', '>p95 ms'],
      [
        ...[...perQuery].map(([query, q]) => {
          const s = summarize(q.ms);
          return [`\`${query}\``, q.matches.toLocaleString('en-US'), fixed(q.recall, 2), ms(s.p50), ms(s.p95)];
        }),
        ['**all queries**', '', fixed(meanRecall, 2), `**${ms(all.p50)}**`, `**${ms(all.p95)}**`],
      ],
    ),
  ].join('\n'),
});
