import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { checkExportFiles } from '../support/archive-checks.ts';
import { insertPartsThread } from '../support/long-thread.ts';
import { pathologicalCorpus, storedBytes } from '../support/pathological-corpus.ts';
import { spawnService, type SpawnedService } from '../support/spawned-service.ts';
import { freePort } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient, waitForSettled } from '../support/worker-harness.ts';

const FORMATS = ['json', 'markdown', 'pdf'] as const;
const HEALTH_LIMIT_MS = 1_000;
const MB = 1024 * 1024;

/** One GET /healthz on a connection of its own (a kept-alive socket may be reset between two polls). */
function healthz(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 60_000 }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`/healthz answered ${response.statusCode}`))));
    });
    request.on('timeout', () => request.destroy(new Error('/healthz timed out')));
    request.on('error', reject);
  });
}

// Every message of the pathological corpus (≥ 1 MiB each) archived in every format by a real `start` process, whose
// MCP server shares the event loop with the worker: every job completes on its first attempt (its heartbeat was never
// missed), and /healthz answers within a second all along. One message of 150,000 `[` used to block it for 13.5 s.
describe('pathological messages through a start process', () => {
  let db: TestDatabase;
  let boss: PgBoss;
  let exportDir: string;
  let service: SpawnedService | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    boss = await startBossClient(db.serviceUrl);
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-pathological-'));
  });
  afterAll(async () => {
    await service?.stop();
    await boss?.stop({ graceful: false });
    await db?.drop();
    await rm(exportDir, { recursive: true, force: true });
  });

  it('archives each message in each format at the first attempt while /healthz keeps answering within 1 s', async () => {
    const userId = (await db.owner.selectFrom('chat_thread').select('user_id').orderBy('user_id').executeTakeFirstOrThrow()).user_id;
    const corpus = pathologicalCorpus();
    const threads: string[] = [];
    for (const message of corpus) threads.push(await insertPartsThread(db.owner, { userId, title: message.label, parts: message.parts }));
    const port = await freePort();
    service = await spawnService(
      ['start'],
      { ...db.env, PORT: String(port), WORKER_HTTP_PORT: String(await freePort()), EXPORT_DIR: exportDir, WORKER_CONCURRENCY: '2', LOG_LEVEL: 'warn' },
      /press Ctrl-C to stop/,
      90_000,
    );

    const latencies: number[] = [];
    const failures: string[] = [];
    const slow: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        try {
          await healthz(port);
          const latency = performance.now() - started;
          latencies.push(latency);
          if (latency > HEALTH_LIMIT_MS / 2) slow.push(`${new Date(Date.now() - latency).toISOString()} ${latency.toFixed(0)} ms`);
        } catch (error) {
          failures.push(`${String(error)}; service log: ${service?.stderr().slice(-3000)}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const started = Date.now();
    const jobs: { id: string; label: string; format: string }[] = [];
    for (const format of FORMATS) {
      for (const [index, threadId] of threads.entries()) {
        const { jobId } = await enqueue(boss, archiveConversationJob, { threadId, name: `Corpus ${index} ${format}`, exportFormat: format, requestedBy: userId });
        jobs.push({ id: jobId, label: corpus[index]!.label, format });
      }
    }
    const settled = [];
    for (const job of jobs) settled.push({ ...job, job: await waitForSettled(boss, archiveConversationJob.queue, job.id, 900_000) });
    const seconds = (Date.now() - started) / 1000;
    polling = false;
    await poller;

    const worst = Math.max(...latencies);
    console.info(`[faults] /healthz: ${latencies.length} answers, worst ${worst.toFixed(0)} ms, ${failures.length} failed; slow: ${slow.join(', ')}`);
    expect(failures).toEqual([]);
    for (const { label, format, job } of settled) {
      expect({ label, format, state: job.state, retryCount: job.retryCount }).toEqual({ label, format, state: 'completed', retryCount: 0 });
    }
    expect(await checkExportFiles(db.owner)).toMatchObject({ problems: [] });
    const megabytes = (corpus.reduce((sum, message) => sum + storedBytes(message), 0) * FORMATS.length) / MB;
    console.info(
      `[faults] pathological corpus: ${corpus.length} messages × ${FORMATS.length} formats (${megabytes.toFixed(0)} MB) in ${seconds.toFixed(0)} s; ` +
        `/healthz ${latencies.length} answers, worst ${worst.toFixed(0)} ms`,
    );
    expect(worst).toBeLessThan(HEALTH_LIMIT_MS);
  }, 1_200_000);
});
