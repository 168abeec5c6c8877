import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Store } from '../../src/export/s3-store.ts';
import { createFsStore } from '../../src/export/fs-store.ts';
import { archiveConversationJob, archiveConversationOutput } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { insertLongThread } from '../support/long-thread.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient, waitForSettled } from '../support/worker-harness.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

// The suite's size; the 100,000-message run is `bench/export-store.ts` (docs/BENCHMARKS.md, section 10).
const MESSAGES = 20_000;
/**
 * The s3 driver's peak may pass the fs driver's by this much: an s3 worker idles 17–21 MB higher (the S3 client and
 * its start-up checks; BENCHMARKS.md section 10) and its upload holds two 5 MiB part buffers. Measured here +3.9 %,
 * +8.5 % and +10.6 %; lib-storage's Upload, which concatenates every part anew, measured +19.8 %.
 */
const TOLERANCE = 0.15;
const MB = 1024 * 1024;
// About 2 KB a message: the export (over 40 MB) spans many multipart parts and is larger than the tolerance, so a
// driver that held the whole file would fail.
const TEXTS = [
  'Can you summarise the quarterly report and list the three biggest risks? '.repeat(28),
  'Sure. Revenue grew 12 % while costs rose 9 %; the risks are supplier concentration, currency exposure and churn. '.repeat(18),
  "Voilà le résumé : les coûts ont augmenté, mais la marge reste stable. Qu'en pensez-vous ? ".repeat(22),
];

// Streaming to a bucket must not cost more memory than writing a file: the same thread is archived by two fresh
// worker processes, one per driver, and each one's peak resident set (VmHWM) is read from the kernel.
describe('worker memory streaming a long thread: s3 driver against fs driver', () => {
  let db: TestDatabase;
  let s3: TestS3Server;
  let boss: PgBoss;
  const dirs: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    s3 = await startS3Server();
    boss = await startBossClient(db.serviceUrl);
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await s3?.close();
    await db?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function peakWhileArchiving(driver: 'fs' | 's3', threadId: string, userId: string) {
    const exportDir = await mkdtemp(path.join(os.tmpdir(), `chat-archiver-memory-${driver}-`));
    dirs.push(exportDir);
    // The scheduled passes stay off (the search index would read the whole thread beside the job): the peak is the job's.
    const schedulesOff = { SEARCH_INDEX_CRON: '0 0 1 1 *', EXPORT_GC_CRON: '0 0 1 1 *' };
    const worker = await startWorkerProcess({ ...db.env, ...schedulesOff, EXPORT_DIR: exportDir, ...(driver === 's3' ? s3.env() : {}) }, { concurrency: 1 });
    try {
      const { jobId } = await enqueue(boss, archiveConversationJob, { threadId, name: `Memory ${driver}`, exportFormat: 'json', requestedBy: userId });
      const job = await waitForSettled(boss, archiveConversationJob.queue, jobId, 240_000);
      expect(job.state).toBe('completed');
      const output = archiveConversationOutput.parse(job.output);
      const store = driver === 's3' ? createS3Store(s3.storeConfig()) : createFsStore(exportDir);
      expect(output.storageLocation.startsWith(driver === 's3' ? 's3://' : 'file://')).toBe(true);
      expect(await store.stat(output.storageLocation)).toEqual({ size: output.fileSize });
      return { peak: worker.peakRssBytes(), fileSize: output.fileSize };
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  }

  it(`archives a ${MESSAGES.toLocaleString('en-US')}-message thread to s3 with a worker peak RSS within ${TOLERANCE * 100} % of the fs driver's`, async () => {
    const userId = (await db.owner.selectFrom('chat_thread').select('user_id').orderBy('user_id').executeTakeFirstOrThrow()).user_id;
    const threadId = await insertLongThread(db.owner, { userId, title: 'Memory', messageCount: MESSAGES, texts: TEXTS });
    const fs = await peakWhileArchiving('fs', threadId, userId);
    const s3Run = await peakWhileArchiving('s3', threadId, userId);
    // Both wrote the whole export (the same messages; ids and times in the header differ by a few bytes at most).
    expect(Math.abs(s3Run.fileSize - fs.fileSize)).toBeLessThan(200);
    expect(fs.fileSize).toBeGreaterThan(40 * MB);
    console.info(
      `[exports] ${MESSAGES} messages, ${(fs.fileSize / MB).toFixed(1)} MB JSON: worker peak RSS fs ${(fs.peak / MB).toFixed(0)} MB, ` +
        `s3 ${(s3Run.peak / MB).toFixed(0)} MB (${((s3Run.peak / fs.peak - 1) * 100).toFixed(1)} %), load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    expect(s3Run.peak).toBeLessThanOrEqual(fs.peak * (1 + TOLERANCE));
  }, 600_000);
});
