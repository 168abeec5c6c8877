import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { searchIndexJob } from '../../src/jobs/search-index.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { searchConversations } from '../../src/search/conversation-search.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { useSuite } from '../support/suite.ts';
import { openBossTestBed, waitForSettled } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

describe('search index schedule on real workers', () => {
  const workers: WorkerHandle[] = [];
  const bed = useSuite(async (release) => {
    const opened = release(await openBossTestBed());
    release({ close: () => Promise.all(workers.splice(0).map((worker) => worker.stop())) });
    return opened;
  });

  const indexedCount = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM mcp_archiver.message_index`.execute(bed.db.owner)).rows[0]!.n);

  it('runs the scheduled pass once with two workers, and a later pass makes new messages searchable', async () => {
    // A cron expression for the current minute fires at once and not again for an hour; keep clear of the minute's end.
    await eventually('the start of a minute', async () => (new Date().getUTCSeconds() < 40 ? true : undefined), 25_000);
    const now = new Date();
    const env = { SEARCH_INDEX_CRON: `${now.getUTCMinutes()} * * * *`, SEARCH_INDEX_BATCH_SIZE: '50' };
    const metrics = createMetrics({ processMetrics: false });
    const start = (instanceName: string) =>
      startWorker({
        config: bed.db.config(env),
        serviceUrl: bed.db.serviceUrl,
        log: createLogger('silent'),
        concurrency: 1,
        instanceName,
        searchIndexObserver: metrics.searchIndexObserver,
        tuning: { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 },
      });
    workers.push(...(await Promise.all([start('worker-a'), start('worker-b')])));

    const total = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM chat_message`.execute(bed.db.owner)).rows[0]!.n);
    await eventually('the backfill', async () => ((await indexedCount()) === total ? true : undefined), 30_000);
    // Let both workers run a few more cron passes before counting.
    const cronOn = async () => (await sql<{ cron_on: Date | null }>`SELECT cron_on FROM pgboss.version`.execute(bed.db.owner)).rows[0]?.cron_on?.getTime() ?? 0;
    const seen = await cronOn();
    await eventually('two more cron passes', async () => ((await cronOn()) >= seen + 1_500 ? true : undefined), 20_000);
    const passes = await bed.boss.findJobs(searchIndexJob.queue, { limit: 100 });
    expect(passes).toHaveLength(1);
    const settled = await waitForSettled(bed.boss, searchIndexJob.queue, passes[0]!.id);
    expect(settled).toMatchObject({ state: 'completed', output: { indexed: total, backfillCompleted: true } });
    const exposed = (await metrics.render()).body;
    expect(exposed).toContain(`chat_archiver_search_index_changes_total{change="indexed"} ${total}`);
    expect(exposed).toContain(`chat_archiver_search_index_messages ${total}`);
    expect(exposed).toContain('chat_archiver_search_index_backfill_running 0');

    const owner = (await bed.db.owner.selectFrom('chat_thread').select('user_id').executeTakeFirstOrThrow()).user_id;
    const threadId = randomUUID();
    await sql`INSERT INTO chat_thread (id, title, user_id) VALUES (${threadId}, 'Fresh', ${owner})`.execute(bed.db.owner);
    await sql`INSERT INTO chat_message (id, thread_id, role, parts)
              VALUES ('fresh-1', ${threadId}, 'user', ARRAY[${JSON.stringify({ type: 'text', text: 'Where did we park the heliotrope prototype?' })}::json])`.execute(bed.db.owner);
    const find = () => searchConversations(bed.db.service, { userId: owner, query: 'heliotrope', limit: 5, timeoutMs: 5000 });
    expect(await find()).toEqual({ kind: 'hits', hits: [] });
    const jobId = (await bed.boss.send(searchIndexJob.queue, { trigger: 'rebuild' }))!;
    expect(await waitForSettled(bed.boss, searchIndexJob.queue, jobId)).toMatchObject({ state: 'completed', output: { indexed: 1 } });
    const found = await find();
    expect(found.kind === 'hits' && found.hits.map((h) => h.threadId)).toEqual([threadId]);
  });
});
