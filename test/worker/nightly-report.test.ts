import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsStore } from '../../src/export/fs-store.ts';
import { analyzePatternsJob } from '../../src/jobs/analyze-patterns.ts';
import { createAnalyzePatternsHandler } from '../../src/jobs/analyze-patterns-handler.ts';
import { collectExportGarbage, EXPORT_WRITER_QUEUES } from '../../src/jobs/export-garbage.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { analysisReportHtml } from '../../src/report/analysis-html.ts';
import { patternAnalysisById } from '../../src/sql/pattern-history.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { adminAndUsers, caller, connectInMemory, ok, openTestMcp } from '../support/mcp-fixtures.ts';
import { DEMO_RANGE } from '../support/report-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient, waitForSettled } from '../support/worker-harness.ts';
import { chartOf } from '../report/report-tables.ts';

describe('the nightly analysis archives its report', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chat-archiver-reports-'));
  let [db, boss, worker]: [TestDatabase, PgBoss, WorkerHandle | undefined] = [undefined!, undefined!, undefined];

  beforeAll(async () => {
    db = await createTestDatabase();
    boss = await startBossClient(db.serviceUrl);
    worker = await startWorker({ config: db.config({ EXPORT_DIR: dir, PATTERN_TZ: 'Europe/Paris' }), serviceUrl: db.serviceUrl, log: createLogger('silent'), concurrency: 1, instanceName: 'nightly-report' });
  });
  afterAll(async () => {
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function analyse(trigger: 'schedule' | 'cli') {
    const { jobId } = await enqueue(boss, analyzePatternsJob, { range: DEMO_RANGE, trigger });
    const job = await waitForSettled(boss, analyzePatternsJob.queue, jobId);
    expect(job.state).toBe('completed');
    return { jobId, output: job.output as { analysisId: string; reportLocation?: string } };
  }

  it('get_job shows an admin the report as its key inside the store, never a server path', async () => {
    const { jobId, output } = await analyse('schedule');
    const mcp = await openTestMcp(db, { store: createFsStore(dir) });
    const client = await connectInMemory(mcp.deps, caller((await adminAndUsers(db)).admin.id, true));
    try {
      const view = ok<{ result: { reportLocation: string } }>(await client.callTool({ name: 'get_job', arguments: { jobId } }));
      expect(view.result.reportLocation).toBe(`pattern-reports/${path.basename(fileURLToPath(output.reportLocation!))}`);
      expect(JSON.stringify(view)).not.toContain(dir);
    } finally {
      await client.close();
      await mcp.close();
    }
  });

  it('writes one self-contained HTML file into the export store and records it beside the history row', async () => {
    const { jobId, output } = await analyse('schedule');
    const row = await db.owner.selectFrom('mcp_archiver.pattern_report').selectAll().where('analysis_id', '=', output.analysisId).executeTakeFirstOrThrow();
    expect(output.reportLocation).toBe(row.storage_location);
    const file = fileURLToPath(row.storage_location);
    expect(path.relative(dir, file)).toBe(path.join('pattern-reports', `${output.analysisId}.${jobId}.html`));
    const bytes = await readFile(file);
    expect(Number(row.file_size)).toBe(bytes.byteLength);
    expect(row.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const html = bytes.toString('utf8');
    // The page as served, less the links between pages, which would lead nowhere in a mailed file.
    const history = (await patternAnalysisById(db.service, output.analysisId))!;
    // Vega numbers gradients and clip paths from a counter of the process, so those ids differ between renders.
    const sameIds = (page: string) => page.replace(/\b(gradient_|clip)\d+/g, '$1N');
    expect(sameIds(html) === sameIds(await analysisReportHtml(history, { withLinks: false }))).toBe(true);
    expect(html).not.toContain('href=');
    for (const id of ['messages-per-day', 'weekday-hour', 'tokens-by-model', 'top-tools', 'active-users']) expect(chartOf(html, id), id).toMatch(/^<svg /);
  });

  it('archives nothing for runs that were not scheduled', async () => {
    const { output } = await analyse('cli');
    expect(output.reportLocation).toBeUndefined();
    expect(await db.owner.selectFrom('mcp_archiver.pattern_report').select('analysis_id').where('analysis_id', '=', output.analysisId).execute()).toEqual([]);
  });

  it('a retried run writes no second file', async () => {
    const { jobId, output } = await analyse('schedule');
    const handler = createAnalyzePatternsHandler({ db: db.service, timeZone: 'Europe/Paris', reportStore: createFsStore(dir) });
    const again = await handler(analyzePatternsJob.payload.parse({ range: DEMO_RANGE, trigger: 'schedule' }), {
      jobId, queue: analyzePatternsJob.queue, attempt: 2, maxAttempts: 4, createdOn: new Date(), signal: new AbortController().signal, log: createLogger('silent'),
    });
    expect(again).toMatchObject({ analysisId: output.analysisId, reportLocation: output.reportLocation });
    expect((await readdir(path.join(dir, 'pattern-reports'))).filter((f) => f.startsWith(output.analysisId))).toHaveLength(1);
  });

  it('the export clean-up keeps the reports the rows name and removes the one whose history row is gone', async () => {
    const { output } = await analyse('schedule');
    const gc = () => collectExportGarbage({ db: db.service, boss, store: createFsStore(dir), exportDir: dir, writerQueues: EXPORT_WRITER_QUEUES }, { dryRun: false, graceMs: 0 });
    expect((await gc()).deleted.filter((key) => key.startsWith('pattern-reports/'))).toEqual([]);
    await db.owner.deleteFrom('mcp_archiver.pattern_analysis').where('id', '=', output.analysisId).execute();
    expect((await gc()).deleted).toEqual([`pattern-reports/${path.basename(fileURLToPath(output.reportLocation!))}`]);
  });
});
