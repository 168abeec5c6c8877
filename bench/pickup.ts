// 2. Pickup latency: enqueue → handler start on an idle worker (pg-boss LISTEN/NOTIFY), measured in one process
// (the worker's job observer and the enqueue share a clock).
//   node bench/pickup.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.ts';
import { archiveConversationJob } from '../src/jobs/archive-conversation.ts';
import { createBoss } from '../src/jobs/boss.ts';
import { enqueue, ensureQueues } from '../src/jobs/registry.ts';
import { createLogger } from '../src/logger.ts';
import { startWorker } from '../src/worker/start-worker.ts';
import { benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { markdownTable } from './support/markdown-table.ts';
import { fixed, summarize } from './support/stats.ts';

const run = startBenchRun();
const samples = run.quick ? 20 : 200;
const db = await createBenchDatabase(benchAdminUrl(), { users: 5, threadsPerUser: 8, messagesPerThread: 12 });
const exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-pickup-'));
const threads = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').execute();
const starts = new Map<string, number>();
let ended: (() => void) | undefined;
const config = loadConfig({ ...db.env, EXPORT_DIR: exportDir, LOG_LEVEL: 'silent' });
const worker = await startWorker({
  config,
  serviceUrl: db.serviceUrl,
  log: createLogger('silent'),
  concurrency: 1,
  observer: {
    onJobStart: (event) => starts.set(event.jobId, performance.now()),
    onJobEnd: () => ended?.(),
  },
});
const client = createBoss(db.serviceUrl, { instanceName: 'bench-client', max: 2 });
await client.start();
await ensureQueues(client);
const latencies: number[] = [];
try {
  progress(`pickup: ${samples} jobs, one at a time, 100–400 ms apart`);
  for (let i = 0; i < samples + 3; i++) {
    // Idle: the previous job has ended and its loop sleeps on LISTEN.
    await sleep(100 + Math.random() * 300);
    const thread = threads[i % threads.length]!;
    const done = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const sent = performance.now();
    const { jobId } = await enqueue(client, archiveConversationJob, { threadId: thread.id, name: `pickup ${i}`, exportFormat: 'json', requestedBy: thread.user_id });
    await done;
    if (i >= 3) latencies.push(starts.get(jobId)! - sent);
  }
} finally {
  await worker.stop();
  await client.stop({ graceful: false });
  await db.drop();
  await rm(exportDir, { recursive: true, force: true });
}
const s = summarize(latencies);
const ms = (v: number) => fixed(v, 1);
printSection({
  id: 'pickup',
  title: '2. Pickup latency on an idle worker',
  body: [
    `An idle worker (\`startWorker\`, concurrency 1, pg-boss LISTEN/NOTIFY) in the bench process; a 12-message demo ` +
      `thread enqueued every 100–400 ms after the previous job ended; latency from before \`send\` to the handler's ` +
      `start (the job observer), both on the same clock. 3 warm-up jobs first. ${run.loadSummary()}.`,
    '',
    markdownTable(['>jobs', '>p50 ms', '>p95 ms', '>p99 ms', '>min ms', '>max ms'], [[s.n, ms(s.p50), ms(s.p95), ms(s.p99), ms(s.min), ms(s.max)]]),
    '',
    'Without NOTIFY a loop would poll every 2 s (p50 ≈ 1 s).',
  ].join('\n'),
});
