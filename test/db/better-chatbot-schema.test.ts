import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingHostTables } from '../../src/db/migrate.ts';
import { ensureHostSchema, seedDemoData } from '../../src/demo/seed-demo.ts';
import { archiveAgentJob } from '../../src/jobs/archive-agent.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { archiveWorkflowJob } from '../../src/jobs/archive-workflow.ts';
import { autoArchiveJob } from '../../src/jobs/auto-archive.ts';
import { autoArchiveName } from '../../src/jobs/auto-archive-handler.ts';
import type { JobDefinition } from '../../src/jobs/job-definition.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { searchIndexJob } from '../../src/jobs/search-index.ts';
import { createLogger } from '../../src/logger.ts';
import { searchConversations } from '../../src/search/conversation-search.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { applyBetterChatbotMigrations, betterChatbotMigrationFiles } from '../support/better-chatbot-migrations.ts';
import { cliEnv } from '../support/cli-env.ts';
import { eventually } from '../support/eventually.ts';
import { runCli } from '../support/run-cli.ts';
import { adminQuery } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient, waitForSettled } from '../support/worker-harness.ts';

interface ColumnRow {
  table_name: string;
  column_name: string;
  udt_name: string;
  is_nullable: string;
  column_default: string | null;
}

interface ForeignKeyRow {
  table_name: string;
  column_name: string;
  target: string;
  delete_rule: string;
}

const columnsOf = (url: string) =>
  adminQuery<ColumnRow>(
    url,
    `SELECT table_name, column_name, udt_name, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );

const foreignKeysOf = (url: string) =>
  adminQuery<ForeignKeyRow>(
    url,
    `SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name, c.confrelid::regclass::text AS target,
            CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' ELSE 'SET DEFAULT' END AS delete_rule
     FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace ORDER BY 1, 2`,
  );

describe("a database built by better-chatbot's own migrations", () => {
  let real: TestDatabase;
  let realColumns: ColumnRow[];
  let realForeignKeys: ForeignKeyRow[];
  let boss: PgBoss;
  let worker: WorkerHandle;
  let exportDir: string;

  beforeAll(async () => {
    real = await createTestDatabase({ empty: true });
    await applyBetterChatbotMigrations(real.ownerUrl);
    realColumns = await columnsOf(real.ownerUrl);
    realForeignKeys = await foreignKeysOf(real.ownerUrl);
    const migrate = await runCli(['migrate'], cliEnv(real), 120_000);
    expect(migrate.code, migrate.stderr).toBe(0);
    await seedDemoData(real.owner as unknown as Kysely<unknown>, { users: 2, threadsPerUser: 3, messagesPerThread: 6, seed: 7, days: 20, until: new Date('2026-03-01T00:00:00Z') });
    boss = await startBossClient(real.serviceUrl);
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-real-schema-'));
    // Retention on, on a schedule that does not fire during the test: its runs are enqueued by hand below.
    worker = await startWorker({ config: real.config({ EXPORT_DIR: exportDir, AUTO_ARCHIVE_AFTER: '1d', AUTO_ARCHIVE_CRON: '0 2 1 1 *' }), serviceUrl: real.serviceUrl, log: createLogger('silent'), concurrency: 2, tuning: { pollingIntervalSeconds: 0.5 } });
  });
  afterAll(async () => {
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await real?.drop();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  it('has the 19 tables of the host schema, and every table `migrate` requires', async () => {
    expect(await betterChatbotMigrationFiles()).toHaveLength(16);
    const tables = [...new Set(realColumns.map((c) => c.table_name))];
    expect(tables).toEqual(
      ['account', 'agent', 'archive', 'archive_item', 'bookmark', 'chat_export', 'chat_export_comment', 'chat_message', 'chat_thread', 'mcp_oauth_session',
        'mcp_server', 'mcp_server_custom_instructions', 'mcp_server_tool_custom_instructions', 'session', 'user', 'verification', 'workflow', 'workflow_edge', 'workflow_node'],
    );
    expect(await missingHostTables(real.owner as unknown as Kysely<unknown>)).toEqual([]);
  });

  it('matches, column for column and foreign key for foreign key, the host schema the tests and the demo build', async () => {
    const demo = await createTestDatabase({ empty: true });
    try {
      await ensureHostSchema(demo.owner as unknown as Kysely<unknown>);
      expect(await columnsOf(demo.ownerUrl)).toEqual(realColumns);
      expect(await foreignKeysOf(demo.ownerUrl)).toEqual(realForeignKeys);
    } finally {
      await demo.drop();
    }
  });

  it('takes `migrate` a second time without change', async () => {
    const again = await runCli(['migrate', 'status', '--json'], cliEnv(real));
    expect(again.code).toBe(0);
    const status = JSON.parse(again.stdout) as Array<{ name: string; executedAt: string | null }>;
    expect(status.length).toBeGreaterThan(0);
    expect(status.filter((m) => m.executedAt === null)).toEqual([]);
    expect((await runCli(['migrate'], cliEnv(real), 120_000)).code).toBe(0);
  });

  it('archives a conversation, an agent and a workflow into the real archive tables', async () => {
    const [thread] = await adminQuery<{ id: string; user_id: string }>(real.ownerUrl, 'SELECT id, user_id FROM chat_thread ORDER BY created_at, id LIMIT 1');
    const [agent] = await adminQuery<{ id: string; user_id: string }>(real.ownerUrl, 'SELECT id, user_id FROM agent ORDER BY id LIMIT 1');
    const [workflow] = await adminQuery<{ id: string; user_id: string; nodes: number }>(
      real.ownerUrl,
      'SELECT w.id, w.user_id, (SELECT count(*)::int FROM workflow_node n WHERE n.workflow_id = w.id) AS nodes FROM workflow w ORDER BY id LIMIT 1',
    );
    expect(workflow!.nodes).toBeGreaterThan(1);
    const runs = [
      [archiveConversationJob, { threadId: thread!.id, name: 'Real schema thread', exportFormat: 'markdown', requestedBy: thread!.user_id }, thread!.id, 'thread'],
      [archiveAgentJob, { agentId: agent!.id, name: 'Real schema agent', exportFormat: 'json', requestedBy: agent!.user_id }, agent!.id, 'agent'],
      [archiveWorkflowJob, { workflowId: workflow!.id, name: 'Real schema workflow', exportFormat: 'pdf', requestedBy: workflow!.user_id }, workflow!.id, 'workflow'],
    ] as const;
    for (const [def, payload, itemId, itemType] of runs) {
      const { jobId } = await enqueue(boss, def as JobDefinition<unknown>, payload as unknown);
      const job = await waitForSettled(boss, def.queue, jobId, 120_000);
      expect(job, `${def.queue}: ${JSON.stringify(job.output)}`).toMatchObject({ state: 'completed' });
      const { archiveId } = job.output as { archiveId: string };
      const items = await adminQuery<{ item_id: string; item_type: string; user_id: string; archive_user: string; name: string; storage_location: string | null }>(
        real.ownerUrl,
        `SELECT i.item_id, i.item_type, i.user_id, a.user_id AS archive_user, a.name, a.storage_location
         FROM archive_item i JOIN archive a ON a.id = i.archive_id WHERE a.id = $1`,
        [archiveId],
      );
      expect(items).toEqual([{ item_id: itemId, item_type: itemType, user_id: payload.requestedBy, archive_user: payload.requestedBy, name: payload.name, storage_location: expect.any(String) }]);
    }
  });

  it('indexes the conversations and finds a message by its words', async () => {
    const [message] = await adminQuery<{ user_id: string; thread_id: string; text: string }>(
      real.ownerUrl,
      `SELECT t.user_id, m.thread_id, p->>'text' AS text
       FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id, unnest(m.parts) AS p
       WHERE m.role = 'user' AND p->>'type' = 'text' AND length(p->>'text') > 40 ORDER BY m.created_at, m.id LIMIT 1`,
    );
    const word = message!.text.split(/[^A-Za-z]+/).filter((w) => w.length >= 6).sort((a, b) => b.length - a.length)[0]!;
    const { jobId } = await enqueue(boss, searchIndexJob, { trigger: 'rebuild' });
    expect(await waitForSettled(boss, searchIndexJob.queue, jobId, 120_000)).toMatchObject({ state: 'completed' });
    const result = await searchConversations(real.service, { userId: message!.user_id, query: word, limit: 20, timeoutMs: 5000 });
    expect(result.kind).toBe('hits');
    if (result.kind !== 'hits') return;
    expect(result.hits.map((h) => h.threadId)).toContain(message!.thread_id);
  });

  it('auto-archives the idle threads that are in no archive into each user\'s "Auto-archive YYYY-MM"', async () => {
    const eligible = await adminQuery<{ id: string; user_id: string }>(
      real.ownerUrl,
      'SELECT t.id, t.user_id FROM chat_thread t WHERE NOT EXISTS (SELECT 1 FROM archive_item i WHERE i.item_id = t.id) ORDER BY t.id',
    );
    expect(eligible.length).toBeGreaterThan(0);
    const { jobId } = await enqueue(boss, autoArchiveJob, {});
    const run = await waitForSettled(boss, autoArchiveJob.queue, jobId, 120_000);
    expect(run.output).toMatchObject({ enabled: true, threads: eligible.length });
    const name = autoArchiveName(run.createdOn);
    const archived = async () =>
      adminQuery<{ item_id: string; user_id: string }>(
        real.ownerUrl,
        'SELECT i.item_id, a.user_id FROM archive_item i JOIN archive a ON a.id = i.archive_id WHERE a.name = $1 ORDER BY i.item_id',
        [name],
      );
    await eventually('the auto-archived threads', async () => ((await archived()).length === eligible.length ? true : undefined), 120_000, 200);
    expect((await archived()).map((r) => ({ id: r.item_id, user_id: r.user_id }))).toEqual(eligible);
  });
});
