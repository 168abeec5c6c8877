import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchIndexJob } from '../../src/jobs/search-index.ts';
import { createLogger } from '../../src/logger.ts';
import { runIndexPass } from '../../src/search/message-index-pass.ts';
import { cliEnv } from '../support/cli-env.ts';
import { runCli } from '../support/run-cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient } from '../support/worker-harness.ts';

describe('chat-archiver search-index', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = cliEnv(db);
  });
  afterAll(async () => db?.drop());

  const indexed = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM mcp_archiver.message_index`.execute(db.owner)).rows[0]!.n);

  it('status reports progress before and after the backfill; rebuild empties the index and queues a pass', async () => {
    const total = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM chat_message`.execute(db.owner)).rows[0]!.n);
    let result = await runCli(['search-index', 'status', '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ messages: 0, sourceMessages: total, pending: total, backfill: 'not started', watermark: null });

    await runIndexPass(db.service, { batchSize: 100, sweepThreads: 100, lookbackSeconds: 300, log: createLogger('silent'), maxBatches: 1 });
    result = await runCli(['search-index', 'status', '--json'], env);
    expect(JSON.parse(result.stdout)).toMatchObject({ messages: 100, pending: total - 100, backfill: 'running' });

    await runIndexPass(db.service, { batchSize: 100, sweepThreads: 100, lookbackSeconds: 300, log: createLogger('silent') });
    result = await runCli(['search-index', 'status'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`indexed messages  ${total} of ${total} (100%)`);
    expect(result.stdout).toMatch(/backfill {10}completed at /);

    result = await runCli(['search-index', 'rebuild'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await indexed()).toBe(0);
    const boss = await startBossClient(db.serviceUrl);
    try {
      const queued = await boss.findJobs<{ trigger: string }>(searchIndexJob.queue, { queued: true });
      expect(queued.map((j) => j.data.trigger)).toEqual(['rebuild']);
    } finally {
      await boss.stop({ graceful: false });
    }
    expect(JSON.parse((await runCli(['search-index', 'status', '--json'], env)).stdout)).toMatchObject({ messages: 0, backfill: 'not started' });
  });

  it('rejects a wrong invocation with exit code 2', async () => {
    for (const args of [['search-index'], ['search-index', 'reindex'], ['search-index', 'status', 'extra'], ['search-index', 'rebuild', '--json']]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/search-index/);
    }
  });
});
