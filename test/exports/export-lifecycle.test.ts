import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsStore } from '../../src/export/fs-store.ts';
import type { ExportStore } from '../../src/export/object-store.ts';
import { createS3Store } from '../../src/export/s3-store.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { EXPORT_WRITER_QUEUES, collectExportGarbage, type ExportGarbageOptions } from '../../src/jobs/export-garbage.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { cliEnv } from '../support/cli-env.ts';
import { runCli } from '../support/run-cli.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient, waitForSettled } from '../support/worker-harness.ts';

const queue = archiveConversationJob.queue;

describe.each(['fs', 's3'] as const)('export lifecycle, %s driver', (driver) => {
  let db: TestDatabase;
  let s3: TestS3Server;
  let dir: string;
  let store: ExportStore;
  let boss: PgBoss;
  let worker: WorkerHandle;
  let threads: Array<{ id: string; user_id: string }>;
  /** Jobs whose first attempt crashes after the upload, before the commit. */
  const crashOnce = new Set<string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    s3 = await startS3Server();
    dir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-lifecycle-'));
    store = driver === 's3' ? createS3Store(s3.storeConfig()) : createFsStore(dir);
    boss = await startBossClient(db.serviceUrl);
    // Quick retries for the crash test; jobs keep the options they were sent with.
    await boss.updateQueue(queue, { retryDelay: 1, retryBackoff: false });
    worker = await startWorker({
      config: db.config({ EXPORT_DIR: dir }),
      serviceUrl: db.serviceUrl,
      log: createLogger('silent'),
      concurrency: 1,
      instanceName: `lifecycle-${driver}`,
      tuning: {
        pollingIntervalSeconds: 0.5,
        exportStore: store,
        archiveCheckpoint: async (step, context) => {
          if (step === 'export-written' && crashOnce.delete(context.jobId)) throw new Error('simulated crash between upload and commit');
        },
      },
    });
    threads = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').limit(4).execute();
  });
  afterAll(async () => {
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await s3?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const gc = (options: Partial<ExportGarbageOptions> = {}) =>
    collectExportGarbage({ db: db.service, boss, store, exportDir: dir, writerQueues: EXPORT_WRITER_QUEUES }, { dryRun: false, graceMs: 0, ...options });

  async function keys(prefix = ''): Promise<string[]> {
    const found: string[] = [];
    for await (const object of store.list()) if (object.key.startsWith(prefix)) found.push(object.key);
    return found.sort();
  }

  async function archive(thread: { id: string; user_id: string }, exportFormat: string, extra: Record<string, string> = {}, beforeRun?: (jobId: string) => void) {
    const { jobId } = await enqueue(boss, archiveConversationJob, { threadId: thread.id, name: `Lifecycle ${randomUUID()}`, exportFormat, requestedBy: thread.user_id, ...extra });
    beforeRun?.(jobId);
    const job = await waitForSettled(boss, queue, jobId);
    expect(job.state).toBe('completed');
    return { jobId, output: job.output as { archiveId: string; storageLocation: string } };
  }

  async function namedLocations(archiveId: string): Promise<string[]> {
    const row = await db.owner.selectFrom('archive').select('storage_location').where('id', '=', archiveId).executeTakeFirstOrThrow();
    const items = await db.owner.selectFrom('archive_item').select('metadata').where('archive_id', '=', archiveId).execute();
    return [row.storage_location, ...items.map((i) => (i.metadata as { export: { storageLocation: string } }).export.storageLocation)].filter((l): l is string => !!l);
  }

  it('a crash between the upload and the commit leaves exactly one object, the one the database names, after GC', async () => {
    // The crash lands after the export was uploaded: the job is retried and writes its own key again.
    const thread = threads[0]!;
    let crashed = '';
    const { jobId, output } = await archive(thread, 'json', {}, (id) => {
      crashOnce.add(id);
      crashed = id;
    });
    expect(crashed).toBe(jobId);
    expect(crashOnce.has(jobId)).toBe(false);
    const job = (await boss.findJobs(queue, { id: jobId }))[0]!;
    expect(job.retryCount).toBe(1);

    const objects = await keys(`${output.archiveId}/`);
    expect(objects).toEqual([`${output.archiveId}/${thread.id}.${jobId}.json`]);
    expect(new Set(await namedLocations(output.archiveId))).toEqual(new Set([output.storageLocation]));
    expect(store.keyOf(output.storageLocation)).toBe(objects[0]);
    const report = await gc();
    expect(report.deleted.filter((k) => k.startsWith(output.archiveId))).toEqual([]);
    expect(await keys(`${output.archiveId}/`)).toEqual(objects);
  });

  it('deletes an upload no job will commit, keeps one whose job is still queued, and never one a row names', async () => {
    const archiveId = randomUUID();
    const writeOrphan = async (jobId: string) => {
      const writer = await store.create({ archiveId, threadId: threads[1]!.id, jobId, format: 'json' }, 'application/json');
      await writer.write('{"orphan":true}');
      return writer.commit();
    };
    const abandoned = await writeOrphan(randomUUID());
    // A job that has not run yet may still commit what it uploaded.
    const waiting = await boss.send(queue, { threadId: threads[1]!.id, name: 'later', exportFormat: 'json', requestedBy: threads[1]!.user_id }, { startAfter: 3600, singletonKey: randomUUID() });
    const pending = await writeOrphan(waiting!);

    const dry = await gc({ dryRun: true });
    expect(dry.deleted).toContain(store.keyOf(abandoned.storageLocation));
    expect(await store.stat(abandoned.storageLocation)).toBeDefined();

    const report = await gc();
    expect(report.deleted).toEqual([store.keyOf(abandoned.storageLocation)]);
    expect(report.kept).toBe(1);
    expect(await store.stat(abandoned.storageLocation)).toBeUndefined();
    expect(await store.stat(pending.storageLocation)).toBeDefined();
    await boss.cancel(queue, waiting!);
    expect((await gc()).deleted).toEqual([store.keyOf(pending.storageLocation)]);
  });

  it('re-archiving a thread into the same archive in another format deletes the replaced export once committed', async () => {
    const thread = threads[2]!;
    const first = await archive(thread, 'json');
    const firstKey = store.keyOf(first.output.storageLocation)!;
    expect(await keys(`${first.output.archiveId}/`)).toEqual([firstKey]);
    const second = await archive(thread, 'markdown', { archiveId: first.output.archiveId });
    expect(await keys(`${first.output.archiveId}/`)).toEqual([store.keyOf(second.output.storageLocation)]);
    expect(await store.stat(first.output.storageLocation)).toBeUndefined();
  });

  it('after the app deletes an archive (as the owner role), GC removes its objects', async () => {
    const thread = threads[3]!;
    const { output } = await archive(thread, 'pdf');
    expect(await keys(`${output.archiveId}/`)).toHaveLength(1);
    await db.owner.deleteFrom('archive').where('id', '=', output.archiveId).execute();
    const report = await gc();
    expect(report.deleted).toEqual([store.keyOf(output.storageLocation)]);
    expect(await keys(`${output.archiveId}/`)).toEqual([]);
  });

  it('`exports gc --dry-run` prints what it would delete and deletes nothing', async () => {
    const writer = await store.create({ archiveId: randomUUID(), threadId: threads[0]!.id, jobId: randomUUID(), format: 'markdown' }, 'text/markdown');
    await writer.write('# left behind\n');
    const orphan = await writer.commit();
    // The CLI's grace period spares objects younger than five minutes: the fs driver's file can be aged, an S3
    // object's time cannot, so for s3 the dry run reports it as kept.
    const env = cliEnv(db, driver === 's3' ? { ...s3.env(), EXPORT_DIR: dir } : { EXPORT_DIR: dir });
    if (driver === 'fs') {
      const { utimes } = await import('node:fs/promises');
      const old = new Date(Date.now() - 3_600_000);
      await utimes(new URL(orphan.storageLocation), old, old);
    }
    const result = await runCli(['exports', 'gc', '--dry-run'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    if (driver === 'fs') expect(result.stdout).toContain(`would delete ${store.keyOf(orphan.storageLocation)}\n`);
    expect(result.stdout).toMatch(/would delete \d+ object\(s\)/);
    expect(await store.stat(orphan.storageLocation)).toBeDefined();
    await gc();
    expect(await store.stat(orphan.storageLocation)).toBeUndefined();
  });

  it('EXPORT_RETENTION: old exports are deleted, rows stay with storage_location null and the reason', async () => {
    const { output } = await archive(threads[1]!, 'json');
    const later = new Date(Date.now() + 10 * 86_400_000);
    const dry = await gc({ dryRun: true, retentionMs: 86_400_000, now: later });
    expect(dry.deleted).toContain(store.keyOf(output.storageLocation));
    expect(await store.stat(output.storageLocation)).toBeDefined();

    const report = await gc({ retentionMs: 86_400_000, now: later });
    expect(report.deleted).toContain(store.keyOf(output.storageLocation));
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(await store.stat(output.storageLocation)).toBeUndefined();
    const row = await db.owner.selectFrom('archive').select(['storage_location', 'mcp_metadata']).where('id', '=', output.archiveId).executeTakeFirstOrThrow();
    expect(row.storage_location).toBeNull();
    expect(row.mcp_metadata).toMatchObject({ exportRemoved: { reason: 'retention', at: later.toISOString() } });
    const item = await db.owner.selectFrom('archive_item').select('metadata').where('archive_id', '=', output.archiveId).executeTakeFirstOrThrow();
    expect(item.metadata).toMatchObject({ export: { removed: { reason: 'retention' } } });
    expect((item.metadata as { export: Record<string, unknown> }).export.storageLocation).toBeUndefined();
  });
});
