import { describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { checkExportFiles, serviceItemsPerThread, tempFilesUnder } from '../support/archive-checks.ts';
import { insertLongThread } from '../support/long-thread.ts';
import { useSuite } from '../support/suite.ts';
import { openJobTestBed, waitForSettled } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

const queue = archiveConversationJob.queue;

// A worker that stops answering (SIGSTOP: a hung host, a frozen VM) must not take its job with it: the job is
// retried elsewhere once its heartbeat is stale, or, for a job without heartbeats, once it outlives its expiry.
// When the stopped worker wakes up, it must notice it lost the job and write nothing that breaks the result.
describe('a worker that stops answering mid-job', () => {
  const suite = useSuite(async (release) => {
    const { db, boss, exportDir } = release(await openJobTestBed('faults-stall'));
    const userId = (await db.owner.selectFrom('chat_thread').select('user_id').orderBy('user_id').executeTakeFirstOrThrow()).user_id;
    const env = { ...db.env, EXPORT_DIR: exportDir };
    const workers = await Promise.all([startWorkerProcess(env, { concurrency: 1 }), startWorkerProcess(env, { concurrency: 1 })]);
    release({
      async close() {
        for (const worker of workers) {
          worker.child.kill('SIGCONT');
          worker.child.kill('SIGKILL');
        }
        await Promise.all(workers.map((worker) => worker.exited));
      },
    });
    return { db, boss, exportDir, userId, workers };
  });

  /**
   * Enqueues an archive of a 5,000-message thread, freezes whichever worker takes it, waits until the other one
   * completes it, then thaws the frozen one and waits until it has given its stale attempt up.
   */
  async function archiveWithFrozenHolder(name: string) {
    const threadId = await insertLongThread(suite.db.owner, { userId: suite.userId, title: name, messageCount: 5_000, texts: ['a question about the invoice', 'the answer, with some detail about it'] });
    const { jobId } = await enqueue(suite.boss, archiveConversationJob, { threadId, name, exportFormat: 'json', requestedBy: suite.userId });
    const holder = await eventually('a worker to take the job', async () => suite.workers.find((worker) => worker.inFlight().has(jobId)), 30_000);
    holder.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    let job;
    try {
      job = await waitForSettled(suite.boss, queue, jobId, 90_000);
    } finally {
      holder.child.kill('SIGCONT');
    }
    const retriedAfterMs = job.startedOn.getTime() - frozenAt;
    // The thawed worker finds its claim gone (heartbeat fenced, or its own expiry timer) and stops the attempt.
    const ended = await eventually(
      'the thawed worker to end its stale attempt',
      async () => holder.logs.find((line) => line.jobId === jobId && line.attempt === `1 of ${job.retryLimit + 1}` && line.audit === true),
      30_000,
    );
    return { threadId, jobId, job: (await suite.boss.findJobs(queue, { id: jobId }))[0]!, holder, ended, retriedAfterMs };
  }

  it('retries the job of a worker whose heartbeat stopped, and completes it once', async () => {
    await suite.boss.updateQueue(queue, { heartbeatSeconds: 10, retryDelay: 1, retryBackoff: false });
    const { threadId, job, holder, ended, retriedAfterMs } = await archiveWithFrozenHolder('Heartbeat lost');
    expect(job).toMatchObject({ state: 'completed', retryCount: 1, heartbeatSeconds: 10 });
    expect(ended).toMatchObject({ event: 'job.failed', outcome: 'failed' });
    expect((await serviceItemsPerThread(suite.db.owner)).get(threadId)).toBe(1);
    expect(holder.child.exitCode).toBeNull();
    console.info(`[faults] heartbeat lost: job retried ${(retriedAfterMs / 1000).toFixed(1)} s after its worker froze (heartbeat 10 s, supervisor every 10 s)`);
  }, 150_000);

  it('retries a job without heartbeats once it outlives its expiry, and completes it once', async () => {
    // No heartbeat: only the expiry can take the job back.
    await suite.boss.updateQueue(queue, { heartbeatSeconds: null as unknown as number, expireInSeconds: 10, retryDelay: 1, retryBackoff: false });
    const { threadId, job, ended, retriedAfterMs } = await archiveWithFrozenHolder('Expired');
    expect(job).toMatchObject({ state: 'completed', retryCount: 1, heartbeatSeconds: null, expireInSeconds: 10 });
    expect(ended).toMatchObject({ event: 'job.failed', outcome: 'failed' });
    expect((await serviceItemsPerThread(suite.db.owner)).get(threadId)).toBe(1);
    console.info(`[faults] expiry: job retried ${(retriedAfterMs / 1000).toFixed(1)} s after its worker froze (expiry 10 s, supervisor every 10 s)`);
  }, 150_000);

  it('leaves every export file matching its recorded checksum, and no temp file', async () => {
    expect((await checkExportFiles(suite.db.owner)).problems).toEqual([]);
    expect(await tempFilesUnder(suite.exportDir)).toEqual([]);
    for (const worker of suite.workers) expect(await worker.stop()).toBe(0);
  });
});
