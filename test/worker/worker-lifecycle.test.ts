import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { JobWithMetadata, PgBoss } from 'pg-boss';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import type { ArchiveConversationDeps } from '../../src/jobs/archive-conversation-handler.ts';
import { enqueue, jobDefinitions } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import type { JobEndEvent, JobStartEvent } from '../../src/worker/run-job.ts';
import { startWorker, type WorkerHandle, type WorkerTuning } from '../../src/worker/start-worker.ts';
import { CLI } from '../support/run-cli.ts';
import { freePort } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { findJob, gate, startBossClient, waitForSettled } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

const queue = archiveConversationJob.queue;

describe('worker process', () => {
  let db: TestDatabase;
  let exportDir: string;
  let boss: PgBoss;
  let threads: { id: string; user_id: string }[];
  let nextThread = 0;
  const workers: WorkerHandle[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-exports-'));
    boss = await startBossClient(db.serviceUrl);
    threads = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').execute();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await db?.drop();
    await rm(exportDir, { recursive: true, force: true });
  });

  async function start(options: { instanceName?: string; concurrency?: number; env?: Record<string, string>; tuning?: WorkerTuning; onStart?: (e: JobStartEvent) => void; onEnd?: (e: JobEndEvent) => void } = {}) {
    const worker = await startWorker({
      config: db.config({ EXPORT_DIR: exportDir, ...options.env }),
      serviceUrl: db.serviceUrl,
      log: createLogger('silent'),
      concurrency: options.concurrency ?? 1,
      instanceName: options.instanceName ?? 'worker',
      observer: { onJobStart: options.onStart, onJobEnd: options.onEnd },
      tuning: { ...options.tuning },
    });
    workers.push(worker);
    return worker;
  }

  /** A fresh archive request on a thread no other test used. */
  function request(name: string) {
    const thread = threads[nextThread++ % threads.length]!;
    return { threadId: thread.id, name, exportFormat: 'json', requestedBy: thread.user_id };
  }

  it('creates every queue with NOTIFY on, so idle workers hear about new jobs', async () => {
    for (const def of jobDefinitions) expect((await boss.getQueue(def.queue))?.notify).toBe(true);
  });

  it('does not sleep between jobs while a backlog waits', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await enqueue(boss, archiveConversationJob, request(`Backlog ${i}`))).jobId);
    // Long poll intervals: a worker that slept between jobs would leave gaps this long.
    const pollingIntervalSeconds = 20;
    await start({ tuning: { pollingIntervalSeconds, notifyPollingIntervalSeconds: pollingIntervalSeconds } });
    const jobs: JobWithMetadata<unknown>[] = [];
    for (const id of ids) jobs.push(await waitForSettled(boss, queue, id, 60_000));
    expect(jobs.every((job) => job.state === 'completed')).toBe(true);
    jobs.sort((a, b) => a.startedOn.getTime() - b.startedOn.getTime());
    for (let i = 1; i < jobs.length; i++) {
      const gapMs = jobs[i]!.startedOn.getTime() - jobs[i - 1]!.completedOn!.getTime();
      expect(gapMs).toBeLessThan(pollingIntervalSeconds * 1000);
    }
  });

  it('wakes an idle worker by NOTIFY rather than at its next poll', async () => {
    const pollingIntervalSeconds = 20;
    await start({ tuning: { pollingIntervalSeconds, notifyPollingIntervalSeconds: pollingIntervalSeconds } });
    // After a first job the worker fetches once more, finds nothing and sleeps: the next job arrives to a sleeper.
    const warmUp = await enqueue(boss, archiveConversationJob, request('Warm-up'));
    await waitForSettled(boss, queue, warmUp.jobId);
    const { jobId } = await enqueue(boss, archiveConversationJob, request('Idle pickup'));
    const job = await waitForSettled(boss, queue, jobId);
    expect(job.state).toBe('completed');
    expect(job.startedOn.getTime() - job.createdOn.getTime()).toBeLessThan(pollingIntervalSeconds * 1000);
  });

  it('shares the work between worker processes and never runs a job twice', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const bothBusy = gate();
    // Each job waits (up to a deadline) until two jobs run at once: with one job per worker, that proves both work.
    const checkpoint: ArchiveConversationDeps['checkpoint'] = async (step) => {
      if (step !== 'context-read') return;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (inFlight >= 2) bothBusy.open();
      await Promise.race([bothBusy.promise, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      inFlight--;
    };
    const started = new Map<string, string[]>();
    const onStart = (name: string) => (event: JobStartEvent) => started.set(event.jobId, [...(started.get(event.jobId) ?? []), name]);
    const oneJobPerFetch = { WORKER_ARCHIVE_BATCH_SIZE: '1' };
    await start({ instanceName: 'worker-a', env: oneJobPerFetch, tuning: { archiveCheckpoint: checkpoint }, onStart: onStart('a') });
    await start({ instanceName: 'worker-b', env: oneJobPerFetch, tuning: { archiveCheckpoint: checkpoint }, onStart: onStart('b') });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await enqueue(boss, archiveConversationJob, request(`Shared ${i}`))).jobId);
    for (const id of ids) expect(await waitForSettled(boss, queue, id)).toMatchObject({ state: 'completed', retryCount: 0 });
    expect(maxInFlight).toBe(2);
    expect(ids.map((id) => started.get(id)?.length)).toEqual(ids.map(() => 1));
    expect(new Set(ids.flatMap((id) => started.get(id)!))).toEqual(new Set(['a', 'b']));
  });

  it('claims a backlog of archive jobs a batch per fetch and runs the jobs of a batch at once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await enqueue(boss, archiveConversationJob, request(`Batched ${i}`))).jobId);
    let inFlight = 0;
    let maxInFlight = 0;
    const checkpoint: ArchiveConversationDeps['checkpoint'] = async (step) => {
      if (step === 'context-read') maxInFlight = Math.max(maxInFlight, ++inFlight);
      if (step === 'committed') inFlight--;
    };
    await start({ instanceName: 'worker-batched', concurrency: 1, env: { WORKER_ARCHIVE_BATCH_SIZE: '4' }, tuning: { archiveCheckpoint: checkpoint } });
    const jobs: JobWithMetadata<unknown>[] = [];
    for (const id of ids) jobs.push(await waitForSettled(boss, queue, id, 60_000));
    expect(jobs.map((job) => job.state)).toEqual(ids.map(() => 'completed'));
    // One fetch statement claims a batch: its jobs share the statement's start time.
    const perFetch = new Map<number, number>();
    for (const job of jobs) perFetch.set(job.startedOn.getTime(), (perFetch.get(job.startedOn.getTime()) ?? 0) + 1);
    expect([...perFetch.values()]).toEqual([4, 4]);
    expect(maxInFlight).toBe(4);
  });

  it('logs each job with its id, queue, attempt "n of max" and duration, writes an audit line, and tells the observer', async () => {
    const lines: Record<string, unknown>[] = [];
    const ends: JobEndEvent[] = [];
    const worker = await startWorker({
      config: db.config({ EXPORT_DIR: exportDir }),
      serviceUrl: db.serviceUrl,
      log: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }),
      concurrency: 1,
      instanceName: 'worker-logged',
      observer: { onJobEnd: (event) => ends.push(event) },
    });
    workers.push(worker);
    const payload = request('Logged');
    const { jobId } = await enqueue(boss, archiveConversationJob, payload);
    await waitForSettled(boss, queue, jobId);
    await eventually('the audit line', async () => (lines.some((l) => l.audit === true && l.jobId === jobId) ? true : undefined));
    const maxAttempts = archiveConversationJob.queueOptions.retryLimit! + 1;
    const ofJob = lines.filter((l) => l.jobId === jobId);
    expect(ofJob.map((l) => l.msg)).toEqual(['job started', 'job completed', 'audit']);
    for (const line of ofJob) expect(line).toMatchObject({ queue, attempt: `1 of ${maxAttempts}` });
    expect(ofJob[2]).toMatchObject({ audit: true, event: 'job.completed', outcome: 'completed', actor: payload.requestedBy, durationMs: expect.any(Number) });
    expect(ends).toEqual([{ queue, jobId, durationMs: expect.any(Number), outcome: 'completed', willRetry: false, tokens: expect.any(Number) }]);
    expect(ends[0]!.tokens).toBeGreaterThan(0);
    // No message text reaches the log.
    const threadText = (await db.owner.selectFrom('chat_message').select('parts').where('thread_id', '=', payload.threadId).execute())
      .flatMap((m) => (m.parts ?? []) as { type?: string; text?: string }[])
      .filter((part) => part.type === 'text' && typeof part.text === 'string' && part.text.length > 20)
      .map((part) => part.text!);
    const logged = lines.map((l) => JSON.stringify(l)).join('\n');
    for (const text of threadText) expect(logged).not.toContain(text.slice(0, 20));
  });

  it('on stop, fetches nothing new, lets the running job finish, then closes its pools', async () => {
    const running = gate();
    const release = gate();
    const worker = await start({
      instanceName: 'worker-draining',
      env: { SHUTDOWN_TIMEOUT_MS: '20000' },
      tuning: {
        archiveCheckpoint: async (step) => {
          if (step !== 'context-read') return;
          running.open();
          await release.promise;
        },
      },
    });
    const first = await enqueue(boss, archiveConversationJob, request('Draining'));
    await running.promise;
    const stopped = worker.stop();
    const second = await enqueue(boss, archiveConversationJob, request('Arrives while stopping'));
    release.open();
    await stopped;
    expect((await findJob(boss, queue, first.jobId))?.state).toBe('completed');
    expect((await findJob(boss, queue, second.jobId))?.state).toBe('created');
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'chat-archiver:worker-draining%'`.execute(db.owner);
    expect(rows[0]!.n).toBe(0);
    await boss.cancel(queue, second.jobId);
  });

  it('on stop, hands a job that outlasts the bound back to the queue, and another worker completes it', async () => {
    const running = gate();
    let sawAbort = false;
    const worker = await start({
      instanceName: 'worker-impatient',
      env: { SHUTDOWN_TIMEOUT_MS: '1000' },
      tuning: {
        archiveCheckpoint: async (step, context) => {
          if (step !== 'context-read' || context.attempt > 1) return;
          running.open();
          await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
          sawAbort = true;
          context.signal.throwIfAborted();
        },
      },
    });
    const payload = archiveConversationJob.payload.parse(request('Handed back'));
    const jobId = (await boss.send(queue, payload, { singletonKey: archiveConversationJob.singletonKey(payload), retryDelay: 0, retryBackoff: false }))!;
    await running.promise;
    await worker.stop();
    expect(sawAbort).toBe(true);
    expect(await findJob(boss, queue, jobId)).toMatchObject({ state: 'retry' });
    expect(await db.owner.selectFrom('archive').select('id').where('name', '=', 'Handed back').execute()).toEqual([]);

    await start({ instanceName: 'worker-successor' });
    expect(await waitForSettled(boss, queue, jobId)).toMatchObject({ state: 'completed', retryCount: 1 });
  });

  it('`chat-archiver worker` runs until SIGTERM, then exits 0', async () => {
    const service = new URL(db.serviceUrl);
    const child = spawn(process.execPath, [CLI, 'worker', '--concurrency', '2'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: db.ownerUrl,
        MCP_DB_USER: decodeURIComponent(service.username),
        MCP_DB_PASSWORD: decodeURIComponent(service.password),
        EXPORT_DIR: exportDir,
        WORKER_HTTP_PORT: String(await freePort()),
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await eventually('the worker to start', async () => (stdout.includes('worker: 2 archive fetch loop(s) of up to 4 job(s) each') ? true : undefined));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('worker stopped');
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
