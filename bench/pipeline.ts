// Pipeline benchmark on a real PostgreSQL: the archive job end to end (read, tokens, summary, analysis, export,
// one transaction) through pg-boss and the worker.
//   1. throughput: N threads × 50 messages (demo seeder), one worker, jobs/s, messages/s, tokens/s
//   2. idle pickup: send → handler start on an idle worker (LISTEN/NOTIFY), p50/p99
//   3. memory: peak RSS of a `chat-archiver worker` process archiving one long thread
// Run: node bench/pipeline.ts [--quick] [--concurrency N] [--format json|markdown|pdf]
// DATABASE_URL (a superuser/owner URL) is used for fresh benchmark databases; without it an embedded PostgreSQL runs
// in a temp dir. --quick (under 2 minutes): 200 threads, a 20,000-message thread. Full: 1,000 threads, 100,000.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { loadConfig } from '../src/config.ts';
import { createDb, withDatabase } from '../src/db/connect.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrateDatabase } from '../src/db/prepare-database.ts';
import { ensureHostSchema, seedDemoData } from '../src/demo/seed-demo.ts';
import { archiveConversationJob, archiveConversationOutput } from '../src/jobs/archive-conversation.ts';
import { createBoss } from '../src/jobs/boss.ts';
import { enqueue, ensureQueues } from '../src/jobs/registry.ts';
import { createLogger } from '../src/logger.ts';
import { startWorker } from '../src/worker/start-worker.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '1' },
    format: { type: 'string', default: 'json' },
    samples: { type: 'string', default: '40' },
  },
});
const quick = values.quick;
const concurrency = Number(values.concurrency);
const format = values.format as 'json' | 'markdown' | 'pdf';
const threadCount = quick ? 200 : 1_000;
const messagesPerThread = 50;
const longThreadMessages = quick ? 20_000 : 100_000;
const pickupSamples = Number(values.samples);

const CLI = path.resolve(import.meta.dirname, '../src/cli.ts');
const SERVICE_USER = 'ca_bench_service';
const SERVICE_PASSWORD = `bench-${randomBytes(9).toString('hex')}`;
const log = createLogger('silent');
const results: Record<string, unknown> = { quick, concurrency, format, node: process.version, cpus: os.cpus().length };

async function adminQuery(url: string, text: string): Promise<void> {
  const db = createDb(url, { max: 1 }) as Kysely<unknown>;
  try {
    await sql.raw(text).execute(db);
  } finally {
    await db.destroy();
  }
}

/** A fresh database with the host schema, demo data, migrations, pg-boss and the service role. */
async function freshDatabase(adminUrl: string, seed: { users: number; threadsPerUser: number; messagesPerThread: number }) {
  const name = `ca_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const ownerUrl = withDatabase(adminUrl, name);
  const owner = createDb(ownerUrl, { max: 2 }) as Kysely<unknown>;
  const started = Date.now();
  try {
    await ensureHostSchema(owner);
    await seedDemoData(owner, { ...seed, seed: 7, days: 60, until: new Date('2026-01-31T00:00:00Z') });
  } finally {
    await owner.destroy();
  }
  const seededMs = Date.now() - started;
  await migrateDatabase(ownerUrl, { user: SERVICE_USER, password: SERVICE_PASSWORD });
  const service = new URL(ownerUrl);
  service.username = SERVICE_USER;
  service.password = SERVICE_PASSWORD;
  return { name, ownerUrl, serviceUrl: service.toString(), seededMs };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

async function startClient(serviceUrl: string): Promise<PgBoss> {
  const boss = createBoss(serviceUrl, { instanceName: 'bench-client', max: 3 });
  await boss.start();
  await ensureQueues(boss);
  return boss;
}

async function throughputAndPickup(adminUrl: string, exportDir: string) {
  const db = await freshDatabase(adminUrl, { users: 20, threadsPerUser: threadCount / 20, messagesPerThread });
  results.seed = { threads: threadCount, messagesPerThread, seededMs: db.seededMs };
  const owner = createDb(db.ownerUrl, { max: 2 });
  const threads = await owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').execute();
  await owner.destroy();
  const client = await startClient(db.serviceUrl);

  // The backlog first, so the worker runs flat out from its first job.
  const enqueueStarted = performance.now();
  for (const [i, thread] of threads.entries()) {
    await enqueue(client, archiveConversationJob, { threadId: thread.id, name: `Bench ${i}`, exportFormat: format, requestedBy: thread.user_id });
  }
  const enqueueMs = performance.now() - enqueueStarted;

  let firstStart = Number.POSITIVE_INFINITY;
  let lastEnd = 0;
  let ended = 0;
  let tokens = 0;
  let failed = 0;
  const starts = new Map<string, number>();
  let onEnd: (() => void) | undefined;
  const config = loadConfig({ DATABASE_URL: db.ownerUrl, MCP_DB_USER: SERVICE_USER, MCP_DB_PASSWORD: SERVICE_PASSWORD, EXPORT_DIR: exportDir, LOG_LEVEL: 'silent' });
  const workerStarted = performance.now();
  const worker = await startWorker({
    config,
    serviceUrl: db.serviceUrl,
    log,
    concurrency,
    observer: {
      onJobStart: (event) => {
        const now = performance.now();
        starts.set(event.jobId, now);
        firstStart = Math.min(firstStart, now);
      },
      onJobEnd: (event) => {
        lastEnd = performance.now();
        ended++;
        tokens += event.tokens ?? 0;
        if (event.outcome !== 'completed') failed++;
        onEnd?.();
      },
    },
  });
  const startupMs = performance.now() - workerStarted;
  await new Promise<void>((resolve) => {
    onEnd = () => ended >= threads.length && resolve();
    onEnd();
  });
  const seconds = (lastEnd - firstStart) / 1000;
  results.throughput = {
    jobs: threads.length,
    failed,
    workerStartupMs: Math.round(startupMs),
    enqueueJobsPerSecond: Math.round(threads.length / (enqueueMs / 1000)),
    seconds: +seconds.toFixed(2),
    jobsPerSecond: +(threads.length / seconds).toFixed(1),
    messagesPerSecond: Math.round((threads.length * messagesPerThread) / seconds),
    tokensPerSecond: Math.round(tokens / seconds),
    tokens,
  };

  // Idle pickup: the worker has drained the queue and sleeps until NOTIFY (or its 10 s safety poll).
  const latencies: number[] = [];
  for (let i = 0; i < pickupSamples; i++) {
    await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 350));
    const thread = threads[i % threads.length]!;
    const done = new Promise<void>((resolve) => {
      onEnd = resolve;
    });
    const sent = performance.now();
    const { jobId } = await enqueue(client, archiveConversationJob, { threadId: thread.id, name: `Pickup ${i}`, exportFormat: 'json', requestedBy: thread.user_id });
    await done;
    latencies.push(starts.get(jobId)! - sent);
  }
  latencies.sort((a, b) => a - b);
  results.idlePickupMs = {
    samples: latencies.length,
    p50: +percentile(latencies, 50).toFixed(1),
    p90: +percentile(latencies, 90).toFixed(1),
    p99: +percentile(latencies, 99).toFixed(1),
    max: +latencies.at(-1)!.toFixed(1),
  };

  await worker.stop();
  await client.stop({ graceful: false });
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

async function longThreadMemory(adminUrl: string, exportDir: string) {
  const db = await freshDatabase(adminUrl, { users: 1, threadsPerUser: 1, messagesPerThread: longThreadMessages });
  const owner = createDb(db.ownerUrl, { max: 2 });
  const thread = await owner.selectFrom('chat_thread').select(['id', 'user_id']).executeTakeFirstOrThrow();
  await owner.destroy();

  const child = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.ownerUrl, MCP_DB_USER: SERVICE_USER, MCP_DB_PASSWORD: SERVICE_PASSWORD, EXPORT_DIR: exportDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('worker:')) resolve();
    });
    child.once('close', () => reject(new Error(`worker exited early: ${out}`)));
  });
  const idle = rssOf(child.pid!);
  const client = await startClient(db.serviceUrl);
  const started = performance.now();
  const { jobId } = await enqueue(client, archiveConversationJob, { threadId: thread.id, name: 'Long thread', exportFormat: format, requestedBy: thread.user_id });
  let peakSampled = idle.rss;
  for (;;) {
    peakSampled = Math.max(peakSampled, rssOf(child.pid!).rss);
    const [job] = await client.findJobs(archiveConversationJob.queue, { id: jobId });
    if (job && (job.state === 'completed' || job.state === 'failed')) {
      if (job.state === 'failed') throw new Error(`long-thread job failed: ${JSON.stringify(job.output)}`);
      const output = archiveConversationOutput.parse(job.output);
      const seconds = (performance.now() - started) / 1000;
      const { hwm } = rssOf(child.pid!);
      results.longThread = {
        messages: longThreadMessages,
        format,
        seconds: +seconds.toFixed(1),
        messagesPerSecond: Math.round(longThreadMessages / seconds),
        tokens: output.tokensCount,
        exportMB: +(output.fileSize / 1e6).toFixed(1),
        idleRssMB: Math.round(idle.rss / 1e6),
        peakRssMB: Math.round(hwm / 1e6),
        peakRssSampledMB: Math.round(peakSampled / 1e6),
      };
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  results.longThreadWorkerExit = await exited;
  await client.stop({ graceful: false });
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-bench-'));
  let adminUrl = process.env.DATABASE_URL;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  try {
    if (!adminUrl) {
      embedded = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'pg'), port: 54_000 + Math.floor(Math.random() * 1_000), logFile: path.join(tempDir, 'pg.log') });
      adminUrl = embedded.url;
    }
    results.database = embedded ? 'embedded' : 'DATABASE_URL';
    await throughputAndPickup(adminUrl, path.join(tempDir, 'exports'));
    await longThreadMemory(adminUrl, path.join(tempDir, 'exports-long'));
  } finally {
    await embedded?.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
  results.totalSeconds = Math.round((Date.now() - started) / 1000);
  console.log(JSON.stringify(results, null, 2));
}

await main();
