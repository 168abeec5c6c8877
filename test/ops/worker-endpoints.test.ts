import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { cliEnv } from '../support/cli-env.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { CLI } from '../support/run-cli.ts';
import { freePort } from '../support/test-cluster.ts';
import { useSuite } from '../support/suite.ts';
import { openJobTestBed, waitForSettled } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

const QUEUE = archiveConversationJob.queue;

// The real `chat-archiver worker` process, scraped the way Prometheus and an orchestrator would.
describe('chat-archiver worker: /healthz, /readyz and /metrics on WORKER_HTTP_PORT', () => {
  let output = '';
  const suite = useSuite(async (release) => {
    const { db, boss, exportDir } = release(await openJobTestBed('worker-ops'));
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'worker'], {
      env: { PATH: process.env.PATH ?? '', ...cliEnv(db, { EXPORT_DIR: exportDir, WORKER_HTTP_PORT: String(port) }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    release({
      async close() {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.on('close', resolve));
        child.kill('SIGTERM');
        await exited;
      },
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await eventually('the worker to listen', async () => (output.includes('health and metrics on') ? true : undefined), 60_000);
    return { db, boss, base: `http://127.0.0.1:${port}` };
  });

  it('says where it serves them', () => {
    expect(output).toContain(`health and metrics on ${suite.base}/metrics`);
  });

  it('is alive and ready', async () => {
    expect((await fetch(`${suite.base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${suite.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: { ok: true }, pgBoss: { ok: true } });
  });

  it('counts an archive job it just ran: completion, duration, tokens, and the jobs gauge', async () => {
    const [thread] = await suite.db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').limit(1).execute();
    const { jobId } = await enqueue(suite.boss, archiveConversationJob, { threadId: thread!.id, name: 'Metrics', exportFormat: 'json', requestedBy: thread!.user_id });
    expect(await waitForSettled(suite.boss, QUEUE, jobId, 60_000)).toMatchObject({ state: 'completed' });

    const response = await fetch(`${suite.base}/metrics`);
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
