// 4. A huge thread: one thread of 100,000 messages (quick: 20,000) archived (JSON) by a `chat-archiver worker`
// process; wall time from enqueue to completion and the worker's peak RSS (VmHWM).
//   node bench/huge-thread.ts [--quick]
import { archiveConversationJob } from '../src/jobs/archive-conversation.ts';
import { enqueue } from '../src/jobs/registry.ts';
import { benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { markdownTable } from './support/markdown-table.ts';
import { MB, processMemory } from './support/process-memory.ts';
import { waitForJobs } from './support/queue-jobs.ts';
import { fixed } from './support/stats.ts';
import { startWorkerBench } from './support/worker-bench.ts';

const run = startBenchRun();
const messages = run.quick ? 20_000 : 100_000;
progress(`huge-thread: seeding one ${messages}-message thread`);
const db = await createBenchDatabase(benchAdminUrl(), { users: 1, threadsPerUser: 1, messagesPerThread: messages });
const thread = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).executeTakeFirstOrThrow();
const bench = await startWorkerBench(db, { name: 'huge', concurrency: 1 });
const { client, worker } = bench;
let result: { seconds: number; tokens: number; idleRssMB: number; peakRssMB: number; fileMB: number };
try {
  const idle = processMemory(worker.pid);
  progress(`huge-thread: archiving (load ${run.sampleLoad()})`);
  const started = performance.now();
  const { jobId } = await enqueue(client, archiveConversationJob, { threadId: thread.id, name: 'huge', exportFormat: 'json', requestedBy: thread.user_id });
  const done = await waitForJobs(db.owner, archiveConversationJob.queue, [jobId], 10 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  if (done.failed) throw new Error('the huge-thread job failed');
  const [job] = await client.findJobs(archiveConversationJob.queue, { id: jobId });
  const fileSize = Number((job?.output as { fileSize?: number } | undefined)?.fileSize ?? Number.NaN);
  result = { seconds, tokens: done.tokens, idleRssMB: idle.rss / MB, peakRssMB: processMemory(worker.pid).peakRss / MB, fileMB: fileSize / MB };
} finally {
  await bench.close();
}
printSection({
  id: 'huge-thread',
  title: `4. A huge thread: ${messages.toLocaleString('en-US')} messages`,
  body: [
    `One demo thread archived (JSON export) by a \`chat-archiver worker --concurrency 1\` process; time from enqueue to ` +
      `completion; peak RSS = the process's VmHWM after the job (Node, pg-boss, PDF fonts and token ranks included). ` +
      `${run.loadSummary()}.`,
    '',
    markdownTable(
      ['>messages', '>tokens', '>wall s', '>messages/s', '>export MB', '>idle RSS MB', '>peak RSS MB'],
      [[messages.toLocaleString('en-US'), result.tokens.toLocaleString('en-US'), fixed(result.seconds, 1), fixed(messages / result.seconds, 0), fixed(result.fileMB, 1), fixed(result.idleRssMB, 0), fixed(result.peakRssMB, 0)]],
    ),
  ].join('\n'),
});
