import { spawn, type ChildProcess } from 'node:child_process';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { cliEnv } from '../support/cli-env.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { CLI } from '../support/run-cli.ts';
import { freePort } from '../support/test-cluster.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { openJobTestBed, waitForSettled, type JobTestBed } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

const QUEUE = archiveConversationJob.queue;

// The real `chat-archiver worker` process, scraped the way Prometheus and an orchestrator would.
describe('chat-archiver worker: /healthz, /readyz and /metrics on WORKER_HTTP_PORT', () => {
  let bed: JobTestBed;
  let db: TestDatabase;
  let boss: PgBoss;
  let exportDir: string;
  let child: ChildProcess;
  let base: string;
  let output = '';

  beforeAll(async () => {
    bed = await openJobTestBed('worker-ops');
    ({ db, boss, exportDir } = bed);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [CLI, 'worker'], {
      env: { PATH: process.env.PATH ?? '', ...cliEnv(db, { EXPORT_DIR: exportDir, WORKER_HTTP_PORT: String(port) }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await eventually('the worker to listen', async () => (output.includes('health and metrics on') ? true : undefined), 60_000);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await bed?.close();
  });

  it('says where it serves them', () => {
    expect(output).toContain(`health and metrics on ${base}/metrics`);
  });

  it('is alive and ready', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: { ok: true }, pgBoss: { ok: true } });
  });

  it('counts an archive job it just ran: completion, duration, tokens, and the jobs gauge', async () => {
    const [thread] = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').limit(1).execute();
    const { jobId } = await enqueue(boss, archiveConversationJob, { threadId: thread!.id, name: 'Metrics', exportFormat: 'json', requestedBy: thread!.user_id });
    expect(await waitForSettled(boss, QUEUE, jobId, 60_000)).toMatchObject({ state: 'completed' });

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    const samples = parsePrometheusText(await response.text());
    expect(sampleValue(samples, 'chat_archiver_jobs_completed_total', { queue: QUEUE })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_job_duration_seconds_count', { queue: QUEUE, outcome: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_tokens_counted_total', { queue: QUEUE })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'chat_archiver_jobs_in_progress', { queue: QUEUE })).toBe(0);
    expect(sampleValue(samples, 'chat_archiver_jobs', { queue: QUEUE, state: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
