// 5. Nightly analysis at scale: `analyze-patterns` (all users) over 1,000,000 demo messages (10,000 threads,
// 100 users; quick: 100,000) run by a `chat-archiver worker` process: wall time and the worker's peak RSS.
//   node bench/patterns.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { analyzePatternsJob } from '../src/jobs/analyze-patterns.ts';
import { createBoss } from '../src/jobs/boss.ts';
import { enqueue, ensureQueues } from '../src/jobs/registry.ts';
import { BENCH_DEMO_UNTIL, benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { CLI_SCRIPT, startChildService, WORKER_READY } from './support/child-service.ts';
import { markdownTable } from './support/markdown-table.ts';
import { MB, processMemory } from './support/process-memory.ts';
import { waitForJobs } from './support/queue-jobs.ts';
import { fixed, medianAndSpread } from './support/stats.ts';

const run = startBenchRun();
const threadsPerUser = run.quick ? 10 : 100;
const runs = run.quick ? 2 : 3;
progress(`patterns: seeding 100 users × ${threadsPerUser} threads × 100 messages`);
const seedStarted = performance.now();
const db = await createBenchDatabase(benchAdminUrl(), { users: 100, threadsPerUser, messagesPerThread: 100 });
const setupSeconds = (performance.now() - seedStarted) / 1000;
const exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-patterns-'));
const client = createBoss(db.serviceUrl, { instanceName: 'bench-client', max: 2 });
await client.start();
await ensureQueues(client);
const worker = await startChildService(CLI_SCRIPT, ['worker', '--concurrency', '1'], { ...db.env, EXPORT_DIR: exportDir }, WORKER_READY);
const walls: number[] = [];
const inJob: number[] = [];
let idleRssMB = 0;
let peakRssMB = 0;
let analysed = '';
try {
  idleRssMB = processMemory(worker.pid).rss / MB;
  // All the seeded data: 60 days up to the seeder's last day, plus a day either side.
  const range = { start: new Date(BENCH_DEMO_UNTIL.getTime() - 62 * 86_400_000).toISOString(), end: new Date(BENCH_DEMO_UNTIL.getTime() + 86_400_000).toISOString() };
  for (let i = 0; i < runs; i++) {
    progress(`patterns: analysis ${i + 1} of ${runs} (load ${run.sampleLoad()})`);
    const started = performance.now();
    const { jobId } = await enqueue(client, analyzePatternsJob, { range, trigger: 'cli' });
    const done = await waitForJobs(db.owner, analyzePatternsJob.queue, [jobId], 20 * 60_000);
    walls.push((performance.now() - started) / 1000);
    inJob.push(done.seconds);
    if (done.failed) throw new Error('the analysis failed');
    const [job] = await client.findJobs(analyzePatternsJob.queue, { id: jobId });
    const output = job?.output as { messages?: number; activeThreads?: number; activeUsers?: number } | undefined;
    analysed = `${output?.messages?.toLocaleString('en-US')} messages, ${output?.activeThreads?.toLocaleString('en-US')} threads, ${output?.activeUsers} users`;
  }
  peakRssMB = processMemory(worker.pid).peakRss / MB;
} finally {
  await worker.stop();
  await client.stop({ graceful: false });
  await db.drop();
  await rm(exportDir, { recursive: true, force: true });
}
const seeded = db.seeded!;
printSection({
  id: 'patterns',
  title: `5. Nightly analysis at scale: ${seeded.messages.toLocaleString('en-US')} messages`,
  body: [
    `\`analyze-patterns\` over all users and the whole seeded range (${analysed}), enqueued as the nightly job would be ` +
      `and run by a \`chat-archiver worker\` process; the aggregates run in PostgreSQL (one repeatable-read snapshot), ` +
      `only they reach Node. Wall = enqueue → completion seen by polling (200 ms); in job = pg-boss's start → completion. ` +
      `The first run reads a cold table after seeding. Setup (seed ${(seeded.durationMs / 1000).toFixed(0)} s, migrations, ANALYZE): ` +
      `${setupSeconds.toFixed(0)} s. ${run.loadSummary()}.`,
    '',
    markdownTable(
      ['>messages', '>threads', '>users', '>wall s', '>in job s', '>idle RSS MB', '>peak RSS MB'],
      [[seeded.messages.toLocaleString('en-US'), seeded.threads.toLocaleString('en-US'), seeded.users, medianAndSpread(walls, 1), medianAndSpread(inJob, 1), fixed(idleRssMB, 0), fixed(peakRssMB, 0)]],
    ),
  ].join('\n'),
});
