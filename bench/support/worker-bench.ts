import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import { createBoss } from '../../src/jobs/boss.ts';
import { ensureQueues } from '../../src/jobs/registry.ts';
import type { BenchDatabase } from './bench-database.ts';
import { CLI_SCRIPT, startChildService, WORKER_READY, type ChildService } from './child-service.ts';

export interface WorkerBench {
  /** Enqueues jobs and reads their results. */
  client: PgBoss;
  /** A `chat-archiver worker` process writing its exports to a temporary directory. */
  worker: ChildService;
  /** Stops the worker and the client, drops the database and removes the exports. */
  close(): Promise<void>;
}

/** A worker process on the bench database, and a pg-boss client to enqueue for it. */
export async function startWorkerBench(db: BenchDatabase, options: { name: string; concurrency: number; env?: Record<string, string> }): Promise<WorkerBench> {
  const exportDir = await mkdtemp(path.join(os.tmpdir(), `chat-archiver-bench-${options.name}-`));
  const client = createBoss(db.serviceUrl, { instanceName: 'bench-client', max: 2 });
  await client.start();
  await ensureQueues(client);
  const env = { ...db.env, EXPORT_DIR: exportDir, ...options.env };
  const worker = await startChildService(CLI_SCRIPT, ['worker', '--concurrency', String(options.concurrency)], env, WORKER_READY);
  return {
    client,
    worker,
    async close() {
      await worker.stop();
      await client.stop({ graceful: false });
      await db.drop();
      await rm(exportDir, { recursive: true, force: true });
    },
  };
}
