import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { caller, connectInMemory, errorText, ok, openTestMcp, type TestMcp } from '../support/mcp-fixtures.ts';
import { createSeededDatabase } from '../support/seeded-database.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { waitForSettled } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

interface Progress {
  total: number;
  completed: number;
  failed: number;
  pending: number;
}
interface JobView {
  state: string;
  done: boolean;
  kind: string;
  result: { archiveId: string; total: number; enqueued: number; alreadyArchived: number } | null;
  progress?: Progress;
}

describe('archive_conversations: many threads into one archive, one job per thread', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let boss: PgBoss;
  let worker: WorkerHandle;
  let exportDir: string;
  let client: Client;
  let userId: string;
  let otherUserThread: string;
  let threadIds: string[];
  let crashThread: string;
  const crashed = new Set<string>();

  beforeAll(async () => {
    db = await createSeededDatabase({ users: 2, threadsPerUser: 505, messagesPerThread: 2 });
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-many-'));
    mcp = await openTestMcp(db);
    boss = mcp.boss;
    const threads = await db.owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('created_at').orderBy('id').execute();
    userId = threads[0]!.user_id;
    threadIds = threads.filter((t) => t.user_id === userId).map((t) => t.id).slice(0, 500);
    otherUserThread = threads.find((t) => t.user_id !== userId)!.id;
    crashThread = threadIds[137]!;
    worker = await startWorker({
      config: db.config({ EXPORT_DIR: exportDir }),
      serviceUrl: db.serviceUrl,
      log: createLogger('silent'),
      concurrency: 6,
      tuning: {
        pollingIntervalSeconds: 0.5,
        // One thread's first attempt dies after its transaction committed: the retry must not add a second item.
        archiveCheckpoint: async (step, context) => {
          if (step === 'committed' && context.attempt === 1 && !crashed.has(context.jobId)) {
            const [job] = await boss.findJobs<{ threadId: string }>(archiveConversationJob.queue, { id: context.jobId });
            if (job?.data.threadId === crashThread) {
              crashed.add(context.jobId);
              throw new Error('simulated crash after commit');
            }
          }
        },
      },
    });
    client = await connectInMemory(mcp.deps, caller(userId));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await worker?.stop();
    await mcp?.close();
    await db?.drop();
    await rm(exportDir, { recursive: true, force: true });
  });

  const call = (args: Record<string, unknown>) => client.callTool({ name: 'archive_conversations', arguments: args });
  const getJob = async (jobId: string) => ok<JobView>(await client.callTool({ name: 'get_job', arguments: { jobId } }));

  it('archives 500 threads into one archive with one item each, progress counting up, a retried thread not duplicated', async () => {
    const queued = ok<{ jobId: string; threadCount: number }>(await call({ threadIds, name: 'Q1 conversations', exportFormat: 'markdown' }));
    expect(queued.threadCount).toBe(500);
    const seen: Progress[] = [];
    const final = await eventually(
      'the 500-thread archive',
      async () => {
        const view = await getJob(queued.jobId);
        expect(view.kind).toBe('archive_conversations');
        if (view.progress) seen.push(view.progress);
        return view.done ? view : undefined;
      },
      240_000,
    );
    expect(final.state).toBe('completed');
    expect(final.progress).toMatchObject({ total: 500, completed: 500, failed: 0, pending: 0 });
    // Progress was visible while the threads ran, and never went backwards.
    expect(seen.some((p) => p.completed > 0 && p.completed < 500)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.completed).toBeGreaterThanOrEqual(seen[i - 1]!.completed);

    const archiveId = final.result!.archiveId;
    const archives = await db.owner.selectFrom('archive').select(['id', 'user_id']).where('name', '=', 'Q1 conversations').execute();
    expect(archives).toEqual([{ id: archiveId, user_id: userId }]);
    const items = await db.owner.selectFrom('archive_item').select(['item_id', 'item_type']).where('archive_id', '=', archiveId).execute();
    expect(items).toHaveLength(500);
    expect(new Set(items.map((i) => i.item_id))).toEqual(new Set(threadIds));
    expect(items.every((i) => i.item_type === 'thread')).toBe(true);

    // The crashed thread ran twice (its own job, retried), and still has one item.
    expect(crashed.size).toBe(1);
    // Its item was committed before the crash, so the archive may count it done while the job still retries.
    const crashJob = await waitForSettled(boss, archiveConversationJob.queue, [...crashed][0]!, 60_000);
    expect(crashJob).toMatchObject({ state: 'completed', retryCount: 1 });
    expect(await db.owner.selectFrom('archive_item').select('id').where('item_id', '=', crashThread).execute()).toHaveLength(1);
    const threadJobs = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${archiveConversationJob.queue} AND data ->> 'parentJobId' = ${queued.jobId}`.execute(db.owner);
    expect(threadJobs.rows[0]!.n).toBe(500);

    // The same threads again into that archive: nothing new is archived.
    const again = ok<{ jobId: string }>(await call({ threadIds: threadIds.slice(0, 20), name: 'unused', archiveId, exportFormat: 'json' }));
    const view = await eventually('the repeat', async () => {
      const v = await getJob(again.jobId);
      return v.done ? v : undefined;
    });
    expect(view.result).toMatchObject({ archiveId, total: 20, enqueued: 0, alreadyArchived: 20 });
    expect(await db.owner.selectFrom('archive_item').select('id').where('archive_id', '=', archiveId).execute()).toHaveLength(500);
  }, 300_000);

  it('takes a filter instead of ids, and refuses what it cannot do without writing anything', async () => {
    const before = await db.owner.selectFrom('archive').select('id').execute();
    expect(errorText(await call({ name: 'x' }))).toMatch(/give exactly one of threadIds or filter/);
    expect(errorText(await call({ name: 'x', threadIds: [threadIds[0]], filter: { query: 'a' } }))).toMatch(/exactly one of threadIds or filter/);
    expect(errorText(await call({ name: 'x', threadIds: [...threadIds, otherUserThread] }))).toMatch(/must list at most 500 threads/);
    expect(errorText(await call({ name: 'x', threadIds: [threadIds[0], otherUserThread] }))).toBe(`thread not found: ${otherUserThread}`);
    expect(errorText(await call({ name: 'n'.repeat(101), threadIds: [threadIds[0]] }))).toMatch(/name: must be at most 100 characters/);
    expect(errorText(await call({ name: 'x', description: 'd'.repeat(501), threadIds: [threadIds[0]] }))).toMatch(/description: must be at most 500 characters/);
    expect(errorText(await call({ name: 'x', filter: {} }))).toMatch(/filter: give at least one of/);
    expect(errorText(await call({ name: 'x', filter: { olderThan: '3 days' } }))).toMatch(/filter.olderThan: expected an age/);
    expect(errorText(await call({ name: 'x', filter: { olderThan: '1d' } }))).toMatch(/matches more than 500 threads/);
    expect(errorText(await call({ name: 'x', filter: { query: 'no-such-title-anywhere' } }))).toBe('no thread of yours matches the filter');
    expect(await db.owner.selectFrom('archive').select('id').execute()).toHaveLength(before.length);

    const [one] = await db.owner.selectFrom('chat_thread').select(['title']).where('id', '=', threadIds[3]!).execute();
    const word = one!.title.split(/\s+/).find((w) => w.length > 4)!;
    const expected = await db.owner.selectFrom('chat_thread').select('id').where('user_id', '=', userId).where('title', 'ilike', `%${word}%`).execute();
    const queued = ok<{ jobId: string; threadCount: number }>(await call({ filter: { query: word.toUpperCase() }, name: 'By title' }));
    expect(queued.threadCount).toBe(expected.length);
  });
});
