import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JobWithMetadata, PgBoss } from 'pg-boss';
import { createBoss } from '../../src/jobs/boss.ts';
import { ensureQueues } from '../../src/jobs/registry.ts';
import { eventually } from './eventually.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { startWorkerProcess, type WorkerProcess } from './worker-process.ts';

/** A pg-boss client as the service role, for enqueuing and inspecting jobs the way the MCP server does. */
export async function startBossClient(serviceUrl: string): Promise<PgBoss> {
  const boss = createBoss(serviceUrl, { instanceName: 'test-client', max: 3 });
  await boss.start();
  await ensureQueues(boss);
  return boss;
}

/** A test database and a pg-boss client on it as the service role. */
export interface BossTestBed {
  db: TestDatabase;
  boss: PgBoss;
  /** Stops the client and drops the database (after the test stopped its workers). */
  close(): Promise<void>;
}

export async function openBossTestBed(): Promise<BossTestBed> {
  const db = await createTestDatabase();
  try {
    const boss = await startBossClient(db.serviceUrl);
    return {
      db,
      boss,
      async close() {
        await boss.stop({ graceful: false });
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

/** What a worker test opens first: a test database, a pg-boss client on it and an empty export directory. */
export interface JobTestBed extends BossTestBed {
  exportDir: string;
  /** A `chat-archiver worker` process on the bed's database writing to its export directory, killed by close(). */
  startWorkerProcess(options?: Parameters<typeof startWorkerProcess>[1]): Promise<WorkerProcess>;
  /**
   * Kills the worker processes it started, stops the client, drops the database and removes the exports (after the
   * test stopped the workers it started itself).
   */
  close(): Promise<void>;
}

export async function openJobTestBed(name: string): Promise<JobTestBed> {
  const exportDir = await mkdtemp(path.join(os.tmpdir(), `chat-archiver-${name}-`));
  const { db, boss, close } = await openBossTestBed();
  const processes: WorkerProcess[] = [];
  return {
    db,
    boss,
    exportDir,
    async startWorkerProcess(options) {
      const worker = await startWorkerProcess({ ...db.env, EXPORT_DIR: exportDir }, options);
      processes.push(worker);
      return worker;
    },
    async close() {
      for (const worker of processes) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
        await worker.exited;
      }
      await close();
      await rm(exportDir, { recursive: true, force: true });
    },
  };
}

export async function findJob(boss: PgBoss, queue: string, id: string): Promise<JobWithMetadata<unknown> | undefined> {
  const [job] = await boss.findJobs<unknown>(queue, { id });
  return job;
}

/** Waits until the job has settled for good: completed, or failed with no retry left. */
export function waitForSettled(boss: PgBoss, queue: string, id: string, timeoutMs?: number): Promise<JobWithMetadata<unknown>> {
  return eventually(
    `job ${id} in ${queue} to settle`,
    async () => {
      const job = await findJob(boss, queue, id);
      return job && (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') ? job : undefined;
    },
    timeoutMs,
  );
}

/** Jobs in a dead-letter queue that came from the given job. */
export async function deadLettersOf(boss: PgBoss, deadLetterQueue: string, sourceId: string): Promise<JobWithMetadata<unknown>[]> {
  return (await boss.findJobs<unknown>(deadLetterQueue, { limit: 1000 })).filter((job) => job.sourceId === sourceId);
}

/** A promise with its resolver, for holding a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
