// 10. Export store: how fast a 2,000-message thread's export is written to the fs driver and to the s3 driver
// (s3rver in this process on 127.0.0.1: multipart uploads of 5 MiB parts), how fast a person downloads it
// through a signed link from the MCP HTTP process (proxied from the store), and the peak RSS of a worker process
// archiving a 100,000-message thread (quick: 20,000) with each driver.
//   node bench/export-store.ts [--quick]
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createLinkSigner } from '../src/export/download-links.ts';
import type { ExportFormat, ExportMessage } from '../src/export/export-types.ts';
import { createExportWriter } from '../src/export/export-writer.ts';
import { createFsStore } from '../src/export/fs-store.ts';
import type { ExportStore } from '../src/export/object-store.ts';
import { createS3Store } from '../src/export/s3-store.ts';
import { createLogger } from '../src/logger.ts';
import { startMcpHttpService } from '../src/mcp/mcp-runtime.ts';
import { startS3Server } from '../test/support/s3-server.ts';
import { freePort } from '../test/support/test-cluster.ts';
import { benchAdminUrl, createBenchDatabase } from './support/bench-database.ts';
import { printSection, progress, startBenchRun } from './support/bench-report.ts';
import { markdownTable } from './support/markdown-table.ts';
import { fixed, median } from './support/stats.ts';
import { archiveConversationJob } from '../src/jobs/archive-conversation.ts';
import { createBoss } from '../src/jobs/boss.ts';
import { enqueue, ensureQueues } from '../src/jobs/registry.ts';
import { CLI_SCRIPT, startChildService, WORKER_READY } from './support/child-service.ts';
import { MB, processMemory } from './support/process-memory.ts';
import { waitForJobs } from './support/queue-jobs.ts';

const run = startBenchRun();
const messageCount = 2_000;
const runs = run.quick ? 2 : 5;
const memoryMessages = run.quick ? 20_000 : 100_000;
/**
 * The garbage collector's schedules a worker is measured under: V8's default, which sizes the heap from how fast its
 * collections ran (what is deployed; on a loaded machine one peak moves by tens of MB from run to run), and the
 * predictable one (a fixed heap growing factor), under which the runs of a driver agree within a few MB.
 */
const GC_SCHEDULES = [
  { name: 'default', nodeArgs: [] },
  { name: 'predictable', nodeArgs: ['--predictable-gc-schedule'] },
];
const memoryRuns = run.quick ? 1 : 2;
const SCHEDULES_OFF = { SEARCH_INDEX_CRON: '0 0 1 1 *', EXPORT_GC_CRON: '0 0 1 1 *' };
const downloads = run.quick ? 3 : 10;
const SECRET = 'bench-export-store-link-secret-0123456789';

let seed = 11;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648), seed / 2_147_483_648);
const words = ['export', 'bucket', 'résumé', 'stream', 'multipart', 'latency', 'archive', 'données', 'upload', 'index', 'café'];
const text = (n: number) => Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(' ');
const start = Date.parse('2026-01-10T08:00:00Z');
const thread: ExportMessage[] = Array.from({ length: messageCount }, (_, i) => ({
  id: `m-${i}`,
  role: i % 2 === 0 ? 'user' : 'assistant',
  createdAt: new Date(start + i * 1000),
  parts: [{ type: 'text', text: text(40 + Math.floor(random() * 400)) }],
  metadata: null,
  tokens: 100,
}));

const s3 = await startS3Server();
const dir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-store-'));
const db = await createBenchDatabase(benchAdminUrl(), { users: 1, threadsPerUser: 1, messagesPerThread: 2 });
try {
  const stores: Array<[string, ExportStore]> = [
    ['fs', createFsStore(dir)],
    ['s3 (s3rver, 127.0.0.1)', createS3Store(s3.storeConfig())],
  ];
  const { id: threadId, user_id: userId } = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).executeTakeFirstOrThrow();
  const user = { id: userId };
  const writeRows: string[][] = [];
  const written = new Map<string, { archiveId: string; location: string; size: number; sha256: string }>();
  for (const format of ['json', 'markdown'] as ExportFormat[]) {
    for (const [name, store] of stores) {
      progress(`write ${format} to ${name}`);
      const times: number[] = [];
      let last = { storageLocation: '', fileSize: 0, sha256: '' };
      let lastArchiveId = '';
      for (let i = 0; i < runs; i++) {
        const header = { archiveId: randomUUID(), archiveName: 'bench', threadId, threadTitle: 'Store benchmark', userId: user.id, exportedAt: new Date(), encoding: 'utf-8' };
        const began = performance.now();
        const writer = await createExportWriter(format, header, { store, jobId: randomUUID() });
        for (const message of thread) await writer.addMessage(message);
        last = await writer.finish({ messageCount, tokensTotal: 0, summary: 'bench', analysis: {} });
        lastArchiveId = header.archiveId;
        times.push(performance.now() - began);
      }
      written.set(`${format}:${name}`, { archiveId: lastArchiveId, location: last.storageLocation, size: last.fileSize, sha256: last.sha256 });
      writeRows.push([format, name, fixed(last.fileSize / 1e6, 2), fixed(median(times), 0), fixed(last.fileSize / 1e6 / (median(times) / 1000), 1)]);
    }
  }

  // Downloads through the MCP process's link, proxied from each store.
  const downloadRows: string[][] = [];
  for (const [name, store] of stores) {
    const file = written.get(`markdown:${name}`)!;
    // The archive the file was written for: exports are served only from their own archive's folder.
    const archiveId = file.archiveId;
    await db.owner
      .insertInto('archive')
      .values({ id: archiveId, name: 'bench', description: null, user_id: user.id, storage_location: file.location, export_format: 'markdown', file_size: file.size })
      .execute();
    const port = await freePort();
    const config = loadConfig({ ...db.env, PORT: String(port), EXPORT_DIR: dir, EXPORT_LINK_SECRET: SECRET, LOG_LEVEL: 'silent' });
    const service = await startMcpHttpService(config, db.serviceUrl, createLogger('silent'), undefined, { exportStore: store });
    try {
      const link = createLinkSigner({ secret: SECRET, ttlMs: 3_600_000, publicBaseUrl: `http://127.0.0.1:${port}` }).sign({ archiveId, location: file.location });
      progress(`download from ${name}`);
      const times: number[] = [];
      for (let i = 0; i < downloads; i++) {
        const began = performance.now();
        const response = await fetch(link.url);
        const bytes = await response.arrayBuffer();
        times.push(performance.now() - began);
        if (response.status !== 200 || bytes.byteLength !== file.size) throw new Error(`download answered ${response.status} with ${bytes.byteLength} bytes`);
      }
      downloadRows.push([name, fixed(file.size / 1e6, 2), fixed(median(times), 0), fixed(file.size / 1e6 / (median(times) / 1000), 1)]);
    } finally {
      await service.stop();
    }
  }

  const memoryRows = await workerPeaks();

  printSection({
    id: 'export-store',
    title: `10. Export store: fs vs s3, a ${messageCount.toLocaleString('en-US')}-message thread`,
    body: [
      `Export write through \`createExportWriter\` into each store, ${runs} runs per row (median); the s3 driver streams a ` +
        'multipart upload (5 MiB parts, one in flight while the next is taken in) to s3rver in this process on 127.0.0.1, so its numbers show the ' +
        `driver's overhead, not a network's. ${run.loadSummary()}.`,
      '',
      markdownTable(['format', 'store', '>file MB', '>write ms', '>MB/s'], writeRows),
      '',
      `Download of the Markdown export through a signed link (\`GET /exports/…\` on the MCP process, proxied from the store), ${downloads} downloads per row (median):`,
      '',
      markdownTable(['store', '>file MB', '>download ms', '>MB/s'], downloadRows),
      '',
      `Worker memory: one ${memoryMessages.toLocaleString('en-US')}-message demo thread archived (JSON) by fresh ` +
        '`chat-archiver worker --concurrency 1` processes with the Procfile\'s node flags (search-index and export-GC ' +
        `schedules off), alternated fs, s3, fs, s3 (${memoryRuns} per driver), under V8's default GC schedule and under ` +
        '`--predictable-gc-schedule` (a fixed heap growing factor: runs agree within a few MB); peak RSS = each ' +
        "run's VmHWM after the job, idle RSS = the lowest VmRSS when ready, peak vs fs between the lowest peaks. " +
        'The suite compares the drivers the same way at 20,000 messages (test/exports/store-memory.test.ts).',
      '',
      markdownTable(['GC schedule', 'store', '>messages', '>export MB', '>wall s', '>idle RSS MB', '>peak RSS MB', '>peak vs fs'], memoryRows),
    ].join('\n'),
  });
} finally {
  await db.drop();
  await s3.close();
  await rm(dir, { recursive: true, force: true });
}


/**
 * Peak RSS of worker processes archiving one long thread, on a database of their own: per GC schedule, fresh
 * workers alternated fs, s3, fs, s3 (`memoryRuns` per driver); each row has a driver's lowest idle and peak.
 */
async function workerPeaks(): Promise<string[][]> {
  progress(`export-store: seeding one ${memoryMessages}-message thread`);
  const memoryDb = await createBenchDatabase(benchAdminUrl(), { users: 1, threadsPerUser: 1, messagesPerThread: memoryMessages });
  const client = createBoss(memoryDb.serviceUrl, { instanceName: 'bench-client', max: 2 });
  await client.start();
  await ensureQueues(client);
  const rows: string[][] = [];
  try {
    const thread = await memoryDb.owner.selectFrom('chat_thread').select(['id', 'user_id']).executeTakeFirstOrThrow();
    const archiveOnce = async (driver: 'fs' | 's3', nodeArgs: string[]) => {
      const exportDir = await mkdtemp(path.join(os.tmpdir(), `chat-archiver-bench-memory-${driver}-`));
      // The scheduled passes stay off (the search index would read the whole thread beside the job): the peak is the job's.
      const env = { ...memoryDb.env, ...SCHEDULES_OFF, EXPORT_DIR: exportDir, ...(driver === 's3' ? s3.env() : {}) };
      const worker = await startChildService(CLI_SCRIPT, ['worker', '--concurrency', '1'], env, WORKER_READY, { nodeArgs });
      try {
        const idle = processMemory(worker.pid).rss;
        progress(`export-store: archiving to ${driver} ${nodeArgs.join(' ')} (load ${run.sampleLoad()})`);
        const began = performance.now();
        const { jobId } = await enqueue(client, archiveConversationJob, { threadId: thread.id, name: `memory ${driver}`, exportFormat: 'json', requestedBy: thread.user_id });
        const done = await waitForJobs(memoryDb.owner, archiveConversationJob.queue, [jobId], 15 * 60_000);
        const seconds = (performance.now() - began) / 1000;
        if (done.failed) throw new Error(`the ${driver} archive job failed`);
        const peak = processMemory(worker.pid).peakRss;
        const [job] = await client.findJobs(archiveConversationJob.queue, { id: jobId });
        const fileSize = Number((job?.output as { fileSize?: number } | undefined)?.fileSize ?? Number.NaN);
        return { driver, idle, peak, seconds, fileSize };
      } finally {
        await worker.stop();
        await rm(exportDir, { recursive: true, force: true });
      }
    };
    for (const schedule of GC_SCHEDULES) {
      const results: Array<Awaited<ReturnType<typeof archiveOnce>>> = [];
      for (let i = 0; i < memoryRuns; i++) for (const driver of ['fs', 's3'] as const) results.push(await archiveOnce(driver, schedule.nodeArgs));
      const of = (driver: 'fs' | 's3') => results.filter((result) => result.driver === driver);
      const fsPeak = Math.min(...of('fs').map((result) => result.peak));
      for (const driver of ['fs', 's3'] as const) {
        const mine = of(driver);
        const peak = Math.min(...mine.map((result) => result.peak));
        rows.push([
          schedule.name,
          driver,
          memoryMessages.toLocaleString('en-US'),
          fixed(mine[0]!.fileSize / MB, 1),
          fixed(median(mine.map((result) => result.seconds)), 1),
          fixed(Math.min(...mine.map((result) => result.idle)) / MB, 0),
          mine.map((result) => fixed(result.peak / MB, 0)).join(', '),
          driver === 'fs' ? '—' : `${fixed((peak / fsPeak - 1) * 100, 1)} %`,
        ]);
      }
    }
  } finally {
    await client.stop({ graceful: false });
    await memoryDb.drop();
  }
  return rows;
}
