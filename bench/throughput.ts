// 3. Throughput: N threads × 50 messages archived (JSON export) by 1 and then 2 `chat-archiver worker` processes
// (default settings: 2 fetch loops of up to 4 jobs each), beside the raw token counter alone over exactly the same message text and the
// single-pass floor (bench/support/single-pass-floor.ts, best of three passes).
//   node bench/throughput.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extractMessageContent } from '../src/chat/message-content.ts';
import { loadTokenCounter } from '../src/analysis/tokens.ts';
import { archiveConversationJob } from '../src/jobs/archive-conversation.ts';
import { createBoss } from '../src/jobs/boss.ts';
import { enqueue, ensureQueues } from '../src/jobs/registry.ts';
import { benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { CLI_SCRIPT, startChildService, WORKER_READY } from './support/child-service.ts';
import { markdownTable } from './support/markdown-table.ts';
import { MB, processMemory } from './support/process-memory.ts';
import { waitForJobs } from './support/queue-jobs.ts';
import { singlePass, type SinglePass } from './support/single-pass-floor.ts';
import { fixed, median, medianAndSpread } from './support/stats.ts';

const run = startBenchRun();
const threadCount = run.quick ? 200 : 1_000;
const messagesPerThread = 50;
const rounds = run.quick ? [1, 2] : [1, 2, 1, 2];

progress(`throughput: seeding ${threadCount} threads × ${messagesPerThread} messages`);
const db = await createBenchDatabase(benchAdminUrl(), { users: 20, threadsPerUser: threadCount / 20, messagesPerThread });
const exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-throughput-'));
const threads = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').execute();
const client = createBoss(db.serviceUrl, { instanceName: 'bench-client', max: 3 });
await client.start();
await ensureQueues(client);

interface Round {
  workers: number;
  jobsPerSecond: number;
  messagesPerSecond: number;
  tokensPerSecond: number;
  tokens: number;
  failed: number;
  peakRssMB: number;
}
const results: Round[] = [];
let tokenizer: { seconds: number; tokens: number; bytes: number };
const passes: SinglePass[] = [];
try {
  for (let pass = 0; pass < 3; pass++) {
    progress(`throughput: single pass ${pass + 1} of 3 (load ${run.sampleLoad()})`);
    passes.push(await singlePass(db.owner, threads.map((t) => t.id), exportDir));
  }
  // The raw counter over the same text the worker counts (extractMessageContent(parts).text, message by message),
  // cold: a fresh process and a fresh piece cache, as each worker process starts.
  const rows = await db.owner.selectFrom('chat_message').select('parts').where('thread_id', 'in', threads.map((t) => t.id)).execute();
  const texts = rows.map((r) => extractMessageContent(r.parts).text);
  const counter = await loadTokenCounter('o200k_base');
  const started = performance.now();
  let tokens = 0;
  for (const text of texts) tokens += counter.count(text);
  tokenizer = { seconds: (performance.now() - started) / 1000, tokens, bytes: texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0) };

  for (const [r, workers] of rounds.entries()) {
    progress(`throughput: round ${r + 1}, ${workers} worker process(es) (load ${run.sampleLoad()})`);
    const ids: string[] = [];
    for (const thread of threads) {
      ids.push((await enqueue(client, archiveConversationJob, { threadId: thread.id, name: `round ${r}`, exportFormat: 'json', requestedBy: thread.user_id })).jobId);
    }
    const children = await Promise.all(Array.from({ length: workers }, () => startChildService(CLI_SCRIPT, ['worker'], { ...db.env, EXPORT_DIR: exportDir }, WORKER_READY)));
    const done = await waitForJobs(db.owner, archiveConversationJob.queue, ids, 10 * 60_000);
    const peakRssMB = Math.max(...children.map((c) => processMemory(c.pid).peakRss)) / MB;
    for (const child of children) await child.stop();
    results.push({
      workers,
      jobsPerSecond: done.completed / done.seconds,
      messagesPerSecond: (done.completed * messagesPerThread) / done.seconds,
      tokensPerSecond: done.tokens / done.seconds,
      tokens: done.tokens,
      failed: done.failed,
      peakRssMB,
    });
  }
} finally {
  await client.stop({ graceful: false });
  await db.drop();
  await rm(exportDir, { recursive: true, force: true });
}

const tokenizerRate = tokenizer.tokens / tokenizer.seconds;
const floor = passes.reduce((best, p) => (p.seconds < best.seconds ? p : best));
const floorRate = floor.threads / floor.seconds;
const rowsFor = (workers: number) => results.filter((r) => r.workers === workers);
const table = markdownTable(
  ['case', '>jobs/s', '>messages/s', '>tokens/s', '>of the single pass', '>of the tokenizer alone', '>peak RSS per worker MB'],
  [
    ...[1, 2].map((workers) => {
      const rs = rowsFor(workers);
      const pick = (f: (r: Round) => number, digits = 0) => medianAndSpread(rs.map(f), digits);
      return [
        `${workers} worker process${workers > 1 ? 'es' : ''} × concurrency 2`,
        pick((r) => r.jobsPerSecond, 1),
        pick((r) => r.messagesPerSecond),
        pick((r) => r.tokensPerSecond),
        `${fixed((100 * median(rs.map((r) => r.jobsPerSecond))) / floorRate, 1)} %`,
        `${fixed((100 * median(rs.map((r) => r.tokensPerSecond))) / tokenizerRate, 1)} %`,
        fixed(median(rs.map((r) => r.peakRssMB)), 0),
      ];
    }),
    [
      'single pass (the floor: one process, one query, count, one JSON file per thread, fsync once at the end; best of 3)',
      `${fixed(floorRate, 1)} (${passes.map((p) => fixed(p.threads / p.seconds, 0)).join(' / ')})`,
      fixed((threadCount * messagesPerThread) / floor.seconds, 0),
      fixed(floor.tokens / floor.seconds, 0),
      '100 %',
      `${fixed((100 * floor.tokens) / floor.seconds / tokenizerRate, 1)} %`,
      '',
    ],
    ['token counter alone (`loadTokenCounter`, one core, cold cache)', '', fixed((threadCount * messagesPerThread) / tokenizer.seconds, 0), fixed(tokenizerRate, 0), '', '100 %', ''],
  ],
);
const oneWorker = median(rowsFor(1).map((r) => r.jobsPerSecond));
const twoWorkers = median(rowsFor(2).map((r) => r.jobsPerSecond));
const sameTokens = results.every((r) => r.tokens === tokenizer.tokens) && passes.every((p) => p.tokens === tokenizer.tokens);
printSection({
  id: 'throughput',
  title: `3. Throughput: ${threadCount.toLocaleString('en-US')} threads × ${messagesPerThread} messages, JSON export`,
  body: [
    `Demo-seeded threads (20 users); for each round the whole backlog is enqueued first, then ${'`chat-archiver worker`'} ` +
      `processes (default settings: \`WORKER_CONCURRENCY\` 2 fetch loops, \`WORKER_ARCHIVE_BATCH_SIZE\` 4 jobs per fetch) start and drain it; time from the first job's start to the last ` +
      `job's completion (pg-boss's own timestamps). Rounds alternate ${rounds.join(', ')} processes. The token counter ` +
      `row counts the same ${(tokenizer.bytes / 1e6).toFixed(1)} MB of message text (${tokenizer.tokens.toLocaleString('en-US')} tokens) in the bench ` +
      `process, in ${tokenizer.seconds.toFixed(2)} s. ${run.loadSummary()}.`,
    '',
    table,
    '',
    `**Pipeline / single pass** (1 worker process): ${fixed(oneWorker / floorRate, 2)} (goal ≥ 0.5). ` +
      `Two processes against one: ${fixed(twoWorkers / oneWorker, 2)}× the jobs/s. Token totals of every round and single pass ` +
      `${sameTokens ? 'equal the counter-alone total' : `differ from the counter-alone total (${[...results, ...passes].map((r) => r.tokens).join(', ')} vs ${tokenizer.tokens})`}; ` +
      `failed jobs: ${results.reduce((s, r) => s + r.failed, 0)}.`,
  ].join('\n'),
});
