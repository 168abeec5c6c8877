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
import { procfileNodeFlags } from '../support/procfile.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

// The suite's size; the 100,000-message run is `bench/export-store.ts` (docs/BENCHMARKS.md, section 10).
const MESSAGES = 20_000;
/** Fresh worker processes per driver, alternated fs, s3, fs, s3, so that a load spike hits both drivers alike. */
const RUNS_PER_DRIVER = 2;
const MB = 1024 * 1024;
/**
 * The workers run with the Procfile's node flags and V8's predictable GC schedule (a fixed heap growing factor, no
 * idle-time or memory-reducer collections). By default V8 sizes the heap from how fast its collections ran, so on a
 * loaded machine one peak moved by 20–40 MB from run to run, more than the drivers differ; with the fixed schedule
 * the runs of a driver agree within 2 MB at load 16. bench/export-store.ts measures the default schedule.
 */
const NODE_FLAGS = [...procfileNodeFlags('worker'), '--predictable-gc-schedule'];
/**
 * How much more the s3 worker's memory may grow during the job than the fs worker's: its upload holds one 5 MiB part
 * buffer, 1 MiB of staging and one HTTP request at a time. Measured +2 to +3 MB (+8 to +9 MB when it held two part
 * buffers); a driver that kept every part of the export grew +36 MB more than fs (peak +26 %).
 */
const S3_EXTRA_GROWTH = 20 * MB;
/**
 * How far the s3 worker's peak may pass the fs worker's: the growth above plus what an s3 worker holds from the
 * start (the S3 client and its start-up check, about 8 MB when ready). Measured +8 % (+8 % to +11 % with two part
 * buffers).
 */
const PEAK_TOLERANCE = 0.15;
// About 2 KB a message: the export (over 40 MB) spans many multipart parts and is larger than S3_EXTRA_GROWTH, so a
// driver that held the whole file would fail.
const TEXTS = [
  'Can you summarise the quarterly report and list the three biggest risks? '.repeat(28),
  'Sure. Revenue grew 12 % while costs rose 9 %; the risks are supplier concentration, currency exposure and churn. '.repeat(18),
  "Voilà le résumé : les coûts ont augmenté, mais la marge reste stable. Qu'en pensez-vous ? ".repeat(22),
];

interface MemoryRun {
  driver: 'fs' | 's3';
  /** VmRSS when the worker reported ready: Node, its modules, the store's client and its start-up check. */
  idle: number;
  /** VmHWM after the job. */
  peak: number;
  fileSize: number;
}

const mb = (bytes: number) => (bytes / MB).toFixed(0);

/** The smallest of a driver's runs: what remains of timing (a late collection) only ever raises a peak. */
function lowest(runs: MemoryRun[], driver: 'fs' | 's3', measure: (run: MemoryRun) => number): number {
  return Math.min(...runs.filter((run) => run.driver === driver).map(measure));
}

// Streaming to a bucket must not cost more memory than writing a file: the same thread is archived by fresh worker
// processes of each driver in turn, and each one's resident set when ready and its peak (VmHWM) are read from the
// kernel. Compared: the growth during the job (what streaming costs, with the start-up cost of each driver set aside)
// and the peak itself.
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

  async function archiveInFreshWorker(driver: 'fs' | 's3', threadId: string, userId: string): Promise<MemoryRun> {
    const exportDir = await mkdtemp(path.join(os.tmpdir(), `chat-archiver-memory-${driver}-`));
    dirs.push(exportDir);
    // The scheduled passes stay off (the search index would read the whole thread beside the job): the peak is the job's.
    const schedulesOff = { SEARCH_INDEX_CRON: '0 0 1 1 *', EXPORT_GC_CRON: '0 0 1 1 *' };
    const env = { ...db.env, ...schedulesOff, EXPORT_DIR: exportDir, ...(driver === 's3' ? s3.env() : {}) };
    const worker = await startWorkerProcess(env, { concurrency: 1, nodeFlags: NODE_FLAGS });
    try {
      const idle = worker.rssBytes();
      const { jobId } = await enqueue(boss, archiveConversationJob, { threadId, name: `Memory ${driver}`, exportFormat: 'json', requestedBy: userId });
      const job = await waitForSettled(boss, archiveConversationJob.queue, jobId, 240_000);
      expect(job.state).toBe('completed');
      const output = archiveConversationOutput.parse(job.output);
      const store = driver === 's3' ? createS3Store(s3.storeConfig()) : createFsStore(exportDir);
      expect(output.storageLocation.startsWith(driver === 's3' ? 's3://' : 'file://')).toBe(true);
      expect(await store.stat(output.storageLocation)).toEqual({ size: output.fileSize });
      return { driver, idle, peak: worker.peakRssBytes(), fileSize: output.fileSize };
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  }

  it(`archives a ${MESSAGES.toLocaleString('en-US')}-message thread to s3 with a worker peak RSS within ${PEAK_TOLERANCE * 100} % of the fs driver's`, async () => {
    const userId = (await db.owner.selectFrom('chat_thread').select('user_id').orderBy('user_id').executeTakeFirstOrThrow()).user_id;
    const threadId = await insertLongThread(db.owner, { userId, title: 'Memory', messageCount: MESSAGES, texts: TEXTS });
    const runs: MemoryRun[] = [];
    for (let i = 0; i < RUNS_PER_DRIVER; i++) {
      runs.push(await archiveInFreshWorker('fs', threadId, userId));
      runs.push(await archiveInFreshWorker('s3', threadId, userId));
    }
    // Every run wrote the whole export (the same messages; ids and times in the header differ by a few bytes at most).
    const sizes = runs.map((run) => run.fileSize);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(200);
    expect(Math.min(...sizes)).toBeGreaterThan(40 * MB);
    const growth = (run: MemoryRun) => run.peak - run.idle;
    const fs = { growth: lowest(runs, 'fs', growth), peak: lowest(runs, 'fs', (run) => run.peak) };
    const s3Run = { growth: lowest(runs, 's3', growth), peak: lowest(runs, 's3', (run) => run.peak) };
    console.info(
      `[exports] ${MESSAGES} messages, ${(sizes[0]! / MB).toFixed(1)} MB JSON, idle → peak RSS MB: ` +
        runs.map((run) => `${run.driver} ${mb(run.idle)} → ${mb(run.peak)}`).join(', ') +
        `; lowest growth fs ${mb(fs.growth)}, s3 ${mb(s3Run.growth)}; lowest peak fs ${mb(fs.peak)}, s3 ${mb(s3Run.peak)} ` +
        `(${((s3Run.peak / fs.peak - 1) * 100).toFixed(1)} %); load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    expect(s3Run.growth).toBeLessThanOrEqual(fs.growth + S3_EXTRA_GROWTH);
    expect(s3Run.peak).toBeLessThanOrEqual(fs.peak * (1 + PEAK_TOLERANCE));
  }, 600_000);
});
