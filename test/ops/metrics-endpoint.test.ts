import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { createReadinessCheck } from '../../src/ops/health.ts';
import { countJobsByState } from '../../src/ops/job-counts.ts';
import { allServiceQueueNames } from '../../src/ops/service-queues.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { createOpsEndpoints } from '../../src/ops/ops-endpoints.ts';
import { startOpsServer } from '../../src/ops/ops-routes.ts';
import { archivePayload } from '../support/job-fixtures.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { eventually } from '../support/eventually.ts';
import { useSuite } from '../support/suite.ts';
import { openBossTestBed } from '../support/worker-harness.ts';

const QUEUE = archiveConversationJob.queue;

describe('/metrics, /healthz and /readyz', () => {
  const suite = useSuite(async (release) => {
    const { db, boss } = release(await openBossTestBed());
    const metrics = createMetrics({ jobCounts: () => countJobsByState(boss.getDb()), jobCountsCacheMs: 0 });
    const server = release(await startOpsServer({ host: '127.0.0.1', port: 0, metrics, readiness: createReadinessCheck({ db: db.service, boss }) }));
    return { db, boss, metrics, server };
  });

  async function scrape() {
    const response = await fetch(`${suite.server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await response.text());
  }

  it('serves health and readiness', async () => {
    const health = await fetch(`${suite.server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${suite.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: { ok: true }, pgBoss: { ok: true } });
    expect((await fetch(`${suite.server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${suite.server.url}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('parses as Prometheus text, with process metrics and every queue/state gauge', async () => {
    const samples = await scrape();
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(samples.filter((s) => s.name === 'chat_archiver_jobs')).toHaveLength(allServiceQueueNames.length * 6);
    expect(allServiceQueueNames).toContain('analyze-patterns-nightly-dead-letter');
    expect(sampleValue(samples, 'chat_archiver_jobs', { queue: QUEUE, state: 'completed' })).toBe(0);
  });

  it('counts a job that just ran: duration, completion, tokens, and the jobs gauge; and a tool call', async () => {
    // The worker's per-job wrapper and the MCP tool wrapper report through these observers.
    await suite.boss.work<Record<string, unknown>>(QUEUE, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      suite.metrics.jobObserver.onJobStart({ queue: QUEUE, jobId: job!.id });
      suite.metrics.jobObserver.onJobEnd({ queue: QUEUE, jobId: job!.id, durationMs: 1500, outcome: 'completed', tokens: 321 });
      return { ok: true };
    });
    const started = performance.now();
    const { jobId } = await enqueue(suite.boss, archiveConversationJob, archivePayload());
    suite.metrics.toolCallObserver.onToolCall({ tool: 'archive_conversation', userId: 'u', durationMs: performance.now() - started, outcome: 'ok', jobId });
    await eventually('the job to complete', async () => (await suite.boss.findJobs(QUEUE, { id: jobId }))[0]?.state === 'completed', 20_000);
    await suite.boss.offWork(QUEUE, { wait: true });

    const samples = await scrape();
    expect(sampleValue(samples, 'chat_archiver_jobs_completed_total', { queue: QUEUE })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_jobs_failed_total', { queue: QUEUE })).toBeUndefined();
    expect(sampleValue(samples, 'chat_archiver_job_duration_seconds_count', { queue: QUEUE, outcome: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_job_duration_seconds_sum', { queue: QUEUE, outcome: 'completed' })).toBe(1.5);
    expect(sampleValue(samples, 'chat_archiver_job_duration_seconds_bucket', { queue: QUEUE, outcome: 'completed', le: '1' })).toBe(0);
    expect(sampleValue(samples, 'chat_archiver_job_duration_seconds_bucket', { queue: QUEUE, outcome: 'completed', le: '2.5' })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_jobs_in_progress', { queue: QUEUE })).toBe(0);
    expect(sampleValue(samples, 'chat_archiver_tokens_counted_total', { queue: QUEUE })).toBe(321);
    expect(sampleValue(samples, 'chat_archiver_jobs', { queue: QUEUE, state: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_tool_call_duration_seconds_count', { tool: 'archive_conversation', outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_tool_jobs_enqueued_total', { tool: 'archive_conversation' })).toBe(1);
    expect(samples.some((s) => 'userId' in s.labels || 'user' in s.labels)).toBe(false);
  });

  it('tells retried failures from dead-lettered ones', async () => {
    const { jobObserver, render } = createMetrics({ processMetrics: false });
    jobObserver.onJobEnd({ queue: QUEUE, jobId: 'a', durationMs: 100, outcome: 'failed', willRetry: true });
    jobObserver.onJobEnd({ queue: QUEUE, jobId: 'a', durationMs: 100, outcome: 'failed', willRetry: false });
    jobObserver.onJobEnd({ queue: QUEUE, jobId: 'b', durationMs: 100, outcome: 'dead-lettered', willRetry: false });
    jobObserver.onJobEnd({ queue: QUEUE, jobId: 'c', durationMs: 100, outcome: 'something new' });
    const samples = parsePrometheusText((await render()).body);
    expect(sampleValue(samples, 'chat_archiver_jobs_failed_total', { queue: QUEUE })).toBe(4);
    expect(sampleValue(samples, 'chat_archiver_jobs_dead_lettered_total', { queue: QUEUE })).toBe(2);
    expect(sampleValue(samples, 'chat_archiver_job_duration_seconds_count', { queue: QUEUE, outcome: 'failed' })).toBe(3);
    expect(sampleValue(samples, 'chat_archiver_job_duration_seconds_count', { queue: QUEUE, outcome: 'dead-lettered' })).toBe(1);
    expect(samples.filter((s) => s.name === 'chat_archiver_jobs')).toEqual([]);
  });

  it('reports the oldest waiting job per queue', async () => {
    const { jobId } = await enqueue(suite.boss, archiveConversationJob, archivePayload());
    const samples = await scrape();
    expect(sampleValue(samples, 'chat_archiver_queue_oldest_waiting_seconds', { queue: QUEUE })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'chat_archiver_jobs', { queue: QUEUE, state: 'created' })).toBe(1);
    await suite.boss.cancel(QUEUE, jobId);
  });

  it('hands unmatched requests to the next handler when mounted in another app (express style)', async () => {
    const { handler } = createOpsEndpoints({ db: suite.db.service, boss: suite.boss });
    const app = http.createServer((req, res) => handler(req, res, () => res.writeHead(418).end('next')));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const { port } = app.address() as { port: number };
    try {
      expect((await fetch(`http://127.0.0.1:${port}/mcp`)).status).toBe(418);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const head = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'HEAD' });
      expect([head.status, await head.text()]).toEqual([200, '']);
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }
  });
});
