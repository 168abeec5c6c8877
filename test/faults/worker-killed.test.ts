import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { checkExportFiles, jobStates, serviceItemsPerThread, tempFilesUnder } from '../support/archive-checks.ts';
import { createSeededDatabase } from '../support/seeded-database.ts';
import { useSuite } from '../support/suite.ts';
import { openTempDir } from '../support/temp-dir.ts';
import { startBossClient } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

const queue = archiveConversationJob.queue;
const JOBS = 500;

describe('a worker process killed with SIGKILL in the middle of a backlog', () => {
  const workers: WorkerProcess[] = [];
  const suite = useSuite(async (release) => {
    // 10 users × 50 threads × 4 messages: one archive job per thread.
    const db = release(await createSeededDatabase({ users: 10, threadsPerUser: 50, messagesPerThread: 4 }));
    const exportDir = release(await openTempDir('faults-kill')).path;
    const boss = await startBossClient(db.serviceUrl);
    release({ close: () => boss.stop({ graceful: false }) });
    release({
      async close() {
        for (const worker of workers) worker.child.kill('SIGKILL');
        await Promise.all(workers.map((worker) => worker.exited));
      },
    });
    return { db, exportDir, boss };
  });

  it('completes every job once, archives every thread exactly once, and leaves no half-written file', async () => {
    const startedAt = Date.now();
    const env = { ...suite.db.env, EXPORT_DIR: suite.exportDir };
    // Jobs sent from now on carry a 10 s heartbeat (the pg-boss minimum; production queues use 30 s) and a 1 s
    // retry delay, so a dead worker's jobs come back within seconds. Workers reset the queue's options when they
    // start, but each job keeps the ones it was sent with.
    await suite.boss.updateQueue(queue, { heartbeatSeconds: 10, retryDelay: 1, retryBackoff: false });

    const threads = await suite.db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').execute();
    expect(threads).toHaveLength(JOBS);
    const jobIds: string[] = [];
    for (const thread of threads) {
      const { jobId } = await enqueue(suite.boss, archiveConversationJob, { threadId: thread.id, name: `Kill test ${thread.id.slice(0, 8)}`, exportFormat: 'json', requestedBy: thread.user_id });
      jobIds.push(jobId);
    }
    const [sent] = await suite.boss.findJobs(queue, { id: jobIds[0]! });
    expect(sent?.heartbeatSeconds).toBe(10);
    const [a, victim] = await Promise.all([startWorkerProcess(env, { concurrency: 2 }), startWorkerProcess(env, { concurrency: 2 })]);
    workers.push(a!, victim!);

    const activeAmong = async (ids: Iterable<string>) =>
      (await Promise.all([...ids].map(async (id) => (await suite.boss.findJobs(queue, { id }))[0]))).filter((job) => job?.state === 'active').map((job) => job!.id);

    // Kill once a fifth of the backlog is done and the victim holds a job the database still sees active. Jobs take
    // milliseconds and the victim's log of a finished job can lag its commit, so the victim is frozen first (SIGSTOP),
    // statements already sent are given a moment to land, and the database is asked then; if every job it held has
    // in fact finished, it is thawed and the wait goes on.
    const inFlightAtKill = await eventually(
      'the victim to hold an active job with 100 jobs done',
      async () => {
        if (((await jobStates(suite.db.owner, queue)).completed ?? 0) < 100) return undefined;
        const inFlight = victim!.inFlight();
        if (inFlight.size === 0) return undefined;
        victim!.child.kill('SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 100));
        if ((await activeAmong(inFlight)).length === 0) {
          victim!.child.kill('SIGCONT');
          return undefined;
        }
        victim!.child.kill('SIGKILL');
        return inFlight;
      },
      90_000,
    );
    const killedAt = Date.now();
    expect(await victim!.exited).toBeNull();
    expect(victim!.child.signalCode).toBe('SIGKILL');
    // The jobs the kill cut short: still active in the database once the victim is gone.
    const orphaned = await activeAmong(inFlightAtKill);
    expect(orphaned.length).toBeGreaterThan(0);

    // Temp files the victim left mid-export: never under a final name. Made older than the clean-up's threshold,
    // so the next worker's start-up removes them as it would an hour after a real crash.
    const leftovers = (await tempFilesUnder(suite.exportDir)).filter((file) => path.basename(file).includes(`.${victim!.pid}-`));
    const anHourAgo = new Date(Date.now() - 2 * 3600_000);
    for (const file of leftovers) await utimes(file, anHourAgo, anHourAgo);

    const replacement = await startWorkerProcess(env, { concurrency: 2 });
    workers.push(replacement);

    await eventually('every job to complete', async () => ((await jobStates(suite.db.owner, queue)).completed === JOBS ? true : undefined), 150_000);
    const recoveredAt = Date.now();
    expect(await jobStates(suite.db.owner, queue)).toEqual({ completed: JOBS });

    // The victim's jobs were retried (its attempt never finished) and completed by another worker.
    const orphanJobs = await Promise.all(orphaned.map(async (id) => (await suite.boss.findJobs(queue, { id }))[0]!));
    for (const job of orphanJobs) expect(job).toMatchObject({ state: 'completed', retryCount: expect.any(Number) });
    expect(orphanJobs.every((job) => job.retryCount >= 1)).toBe(true);
    const retried = (await suite.boss.findJobs(queue, { limit: 1000 })).filter((job) => job.retryCount > 0).length;

    const perThread = await serviceItemsPerThread(suite.db.owner);
    expect(perThread.size).toBe(JOBS);
    expect([...perThread.values()].every((n) => n === 1)).toBe(true);
    const archives = await suite.db.owner.selectFrom('archive').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(archives.n)).toBe(JOBS);
    expect(await checkExportFiles(suite.db.owner)).toEqual({ checked: JOBS, problems: [] });
    expect(await tempFilesUnder(suite.exportDir)).toEqual([]);
    const cleanUp = replacement.logs.find((line) => line.msg === 'removed what exports that never finished left behind');
    expect(cleanUp?.removed ?? 0).toBe(leftovers.length);

    // The survivors are healthy and stop cleanly.
    expect(await a!.stop()).toBe(0);
    expect(await replacement.stop()).toBe(0);
    console.info(
      `[faults] kill -9 (${((Date.now() - startedAt) / 1000).toFixed(1)} s): ${JOBS} jobs, 1 kill at ${100}+ completed, ${orphaned.length} job(s) in the killed worker, ` +
        `${leftovers.length} temp file(s) left by it, ${retried} job(s) retried, all completed ${((recoveredAt - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
  }, 240_000);
});
