// 9. Long messages: the pathological corpus (test/support/pathological-corpus.ts: runs of every Markdown/HTML
// metacharacter and pair, unbroken runs, deep nesting, empty lines, huge tokenizer pieces, mixed scripts; each message
// ≥ 1 MiB, one per thread) and the same number of threads of ordinary chat text (~1 MiB of short messages each),
// archived in each format by a `chat-archiver worker` process. MB/s of the whole archive handler (stored JSON of the
// messages / wall time from enqueue to the last completion) and the worst /healthz answer of the worker meanwhile.
//   node bench/long-messages.ts [--quick]
import { sql } from 'kysely';
import { archiveConversationJob } from '../src/jobs/archive-conversation.ts';
import { enqueue } from '../src/jobs/registry.ts';
import { insertLongThread, insertPartsThread } from '../test/support/long-thread.ts';
import { pathologicalCorpus } from '../test/support/pathological-corpus.ts';
import { freePort } from '../test/support/test-cluster.ts';
import { benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { markdownTable } from './support/markdown-table.ts';
import { MB } from './support/process-memory.ts';
import { waitForJobs } from './support/queue-jobs.ts';
import { fixed } from './support/stats.ts';
import { startWorkerBench } from './support/worker-bench.ts';

const FORMATS = ['json', 'markdown', 'pdf'] as const;
const ORDINARY_TEXTS = [
  'Can you summarise the quarterly report and list the three biggest risks?',
  'Sure. Revenue grew 12 % while costs rose 9 %; the risks are supplier concentration, currency exposure and churn.',
  "Voilà le résumé : les coûts ont augmenté, mais la marge reste stable. Qu'en pensez-vous ?",
  '```ts\nexport function total(items: number[]): number {\n  return items.reduce((a, b) => a + b, 0);\n}\n```',
  'Here is the plan: **first** read the [release notes](https://example.com/notes), then run `npm ci` and the tests.',
];

const run = startBenchRun();
const corpus = pathologicalCorpus().slice(0, run.quick ? 1 : undefined);
const db = await createBenchDatabase(benchAdminUrl(), { users: 1, threadsPerUser: 1, messagesPerThread: 1 });
const healthPort = await freePort();
const bench = await startWorkerBench(db, { name: 'long', concurrency: 2, env: { WORKER_HTTP_PORT: String(healthPort) } });
const { client } = bench;
const rows: string[][] = [];
try {
  const userId = (await db.owner.selectFrom('chat_thread').select('user_id').executeTakeFirstOrThrow()).user_id;
  progress(`long-messages: seeding ${corpus.length} pathological and ${corpus.length} ordinary threads`);
  const pathological: string[] = [];
  for (const message of corpus) pathological.push(await insertPartsThread(db.owner, { userId, title: message.label, parts: message.parts }));
  const ordinary: string[] = [];
  for (let i = 0; i < corpus.length; i++) {
    ordinary.push(await insertLongThread(db.owner, { userId, title: `Ordinary ${i}`, messageCount: 9_000, texts: ORDINARY_TEXTS }));
  }
  const bytesOf = async (threads: string[]) =>
    Number((await sql<{ bytes: string }>`SELECT sum(octet_length(array_to_json(parts)::text))::text AS bytes FROM chat_message WHERE thread_id = ANY(${threads}::uuid[])`.execute(db.owner)).rows[0]!.bytes);

  for (const [kind, threads] of [['pathological', pathological], ['ordinary chat text', ordinary]] as const) {
    const megabytes = (await bytesOf([...threads])) / MB;
    for (const format of FORMATS) {
      progress(`long-messages: ${kind}, ${format} (load ${run.sampleLoad()})`);
      let worst = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const started = performance.now();
          await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).arrayBuffer();
          worst = Math.max(worst, performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const started = performance.now();
      const ids: string[] = [];
      for (const threadId of threads) {
        ids.push((await enqueue(client, archiveConversationJob, { threadId, name: `${kind} ${format}`, exportFormat: format, requestedBy: userId })).jobId);
      }
      const done = await waitForJobs(db.owner, archiveConversationJob.queue, ids, 30 * 60_000);
      const seconds = (performance.now() - started) / 1000;
      polling = false;
      await poller;
      if (done.failed) throw new Error(`${done.failed} ${kind} ${format} jobs failed`);
      rows.push([kind, format, String(threads.length), fixed(megabytes, 1), fixed(seconds, 1), fixed(megabytes / seconds, 2), fixed(worst, 0)]);
    }
  }
} finally {
  await bench.close();
}
printSection({
  id: 'long-messages',
  title: '9. Long messages: the pathological corpus beside ordinary chat text',
  body: [
    `Each pathological message (≥ 1 MiB: runs of every Markdown/HTML metacharacter and pair, unbroken runs, deep nesting, ` +
      `empty lines, huge tokenizer pieces, mixed scripts and emoji) in a thread of its own, and as many threads of ` +
      `~1 MiB of ordinary chat messages (9,000 short messages each), archived by a \`chat-archiver worker --concurrency 2\` ` +
      `process. MB = stored JSON of the messages; MB/s = that over the wall time from enqueue to the last completion (the ` +
      `whole handler: read, count, summarise, analyse, render, write); worst /healthz = slowest answer of the worker's ` +
      `health endpoint, polled every 50 ms meanwhile. ${run.loadSummary()}.`,
    '',
    markdownTable(['text', 'format', '>threads', '>MB', '>wall s', '>MB/s', '>worst /healthz ms'], rows),
  ].join('\n'),
});
