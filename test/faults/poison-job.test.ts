import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { exportFilePath } from '../../src/export/export-store.ts';
import { tempFilesUnder } from '../support/archive-checks.ts';
import { deadLettersOf, openJobTestBed, waitForSettled, type JobTestBed } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

const queue = archiveConversationJob.queue;
const RETRY_LIMIT = 2;
const RETRY_DELAY_SECONDS = 2;

// A job whose handler fails on every attempt, for a real reason: the export's final path is taken by a directory,
// so renaming the finished export into place fails (EISDIR) however often it is tried. A disk-level fault only
// this job meets, with no test hook in the worker.
describe('a poison job', () => {
  let bed: JobTestBed;

  beforeAll(async () => {
    bed = await openJobTestBed('faults-poison');
  });
  afterAll(() => bed?.close());

  it('is retried, ends failed in the dead-letter queue once, visible to ops, while other jobs keep flowing', async () => {
    const { db, boss, exportDir } = bed;
    // Short retries for the test (production: 4 retries from 5 s, exponential); jobs keep the options they were sent with.
    await boss.updateQueue(queue, { retryLimit: RETRY_LIMIT, retryDelay: RETRY_DELAY_SECONDS, retryBackoff: false });

    const threads = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').execute();
    const [poisonThread, ...others] = threads;
    const archive = await db.owner
      .insertInto('archive')
      .values({ name: 'Blocked archive', description: null, user_id: poisonThread!.user_id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const poisonPayload = { threadId: poisonThread!.id, name: 'Blocked archive', archiveId: archive.id, exportFormat: 'json', requestedBy: poisonThread!.user_id };
    const { jobId: poisonId } = await enqueue(boss, archiveConversationJob, poisonPayload);
    // A directory where the job's export file must go: every attempt fails (the key names the job).
    await mkdir(exportFilePath(exportDir, { archiveId: archive.id, threadId: poisonThread!.id, jobId: poisonId, format: 'json' }), { recursive: true });
    const worker = await bed.startWorkerProcess({ concurrency: 2 });
    await eventually('the first failure', async () => ((await boss.findJobs(queue, { id: poisonId }))[0]!.retryCount >= 1 ? true : undefined));

    // Work sent while the poison job waits for its retries.
    const otherIds: string[] = [];
    for (const thread of others.slice(0, 12)) {
      otherIds.push((await enqueue(boss, archiveConversationJob, { threadId: thread.id, name: 'Healthy', exportFormat: 'json', requestedBy: thread.user_id })).jobId);
    }

    const poison = await waitForSettled(boss, queue, poisonId, 60_000);
    expect(poison).toMatchObject({ state: 'failed', retryCount: RETRY_LIMIT });
    expect(poison.output).toMatchObject({ error: { code: 'job_failed', retryable: true, message: expect.stringContaining('EISDIR') } });

    const others_ = await Promise.all(otherIds.map((id) => waitForSettled(boss, queue, id)));
    expect(others_.map((job) => job.state)).toEqual(otherIds.map(() => 'completed'));
    // They did not wait for the poison job to give up.
    for (const job of others_) expect(job.completedOn!.getTime()).toBeLessThan(poison.completedOn!.getTime());

    // One copy in the dead-letter queue, with the original payload, for ops to inspect and redrive.
    const dead = await eventually('the dead letter', async () => {
      const found = await deadLettersOf(boss, archiveConversationJob.deadLetterQueue, poisonId);
      return found.length > 0 ? found : undefined;
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.data).toEqual(poisonPayload);
    // The ops view: failed jobs of the queue, with their error.
    const failed = (await boss.findJobs(queue, { limit: 100 })).filter((job) => job.state === 'failed');
    expect(failed.map((job) => job.id)).toEqual([poisonId]);

    // Each attempt is in the worker's log, the last one as exhausted, with its audit line.
    const lines = worker.logs.filter((line) => line.jobId === poisonId);
    expect(lines.filter((line) => line.msg === 'job started')).toHaveLength(RETRY_LIMIT + 1);
    expect(lines.filter((line) => line.msg === 'job failed: will retry')).toHaveLength(RETRY_LIMIT);
    expect(lines.filter((line) => line.msg === 'job failed: retries exhausted')).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ audit: true, event: 'job.failed', actor: poisonThread!.user_id });

    // Nothing half-done: no item in the blocked archive, no temp file left by the failed attempts.
    const items = await db.owner.selectFrom('archive_item').select('id').where('archive_id', '=', archive.id).execute();
    expect(items).toEqual([]);
    expect(await tempFilesUnder(exportDir)).toEqual([]);
    expect(await worker.stop()).toBe(0);
    console.info(`[faults] poison: ${RETRY_LIMIT + 1} attempts, 1 dead letter, ${otherIds.length} other jobs completed meanwhile`);
  }, 120_000);
});
