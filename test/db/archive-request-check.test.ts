import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { demoUsers, openMcpSuite, type DemoUser, type McpSuite } from '../support/mcp-fixtures.ts';

const QUEUE = archiveConversationJob.queue;

/**
 * mcp_archiver.begin_archive_request, the first statement of archive_conversation's one-round-trip transaction: it
 * declares the acting user, checks ownership, and checks the quota by reading only the caller's open jobs (the
 * requester index, src/db/open-job-index.ts) — not every open job of the queue: a backlog of thousands made every
 * call read them all.
 */
describe('begin_archive_request', () => {
  let suite: McpSuite;
  let alice: DemoUser;
  let bob: DemoUser;

  const openJobs = async (user: DemoUser, count: number) => {
    const jobs = Array.from({ length: count }, (_, i) => {
      const data = archiveConversationJob.payload.parse({ threadId: user.threadIds[0]!, name: `backlog ${i}`, exportFormat: 'json', requestedBy: user.id });
      return { data, singletonKey: archiveConversationJob.singletonKey(data) };
    });
    await suite.mcp.boss.insert(QUEUE, jobs);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${QUEUE} AND data->>'requestedBy' = ${user.id}`.execute(suite.db.owner);
    expect(rows[0]!.n).toBe(count);
  };

  beforeAll(async () => {
    suite = await openMcpSuite();
    ({ alice, bob } = suite);
    await openJobs(bob, 3000);
    await openJobs(alice, 400);
  });
  afterAll(() => suite.close());

  /** Runs the check as the service role in a transaction that is rolled back; `after` sees the transaction. */
  async function check<T>(user: DemoUser, openLimit: number | null, after?: (trx: Transaction<Database>) => Promise<T>) {
    return suite.db.service.transaction().execute(async (trx) => {
      await sql`SELECT mcp_archiver.begin_archive_request(${user.id}, ${user.threadIds[0]!}, NULL, ${QUEUE}, ${openLimit})`.execute(trx);
      const seen = after ? await after(trx) : undefined;
      throw Object.assign(new Error('rollback'), { seen });
    }).catch((error: unknown) => {
      if ((error as Error).message === 'rollback') return (error as { seen: T }).seen;
      throw error;
    });
  }

  /** Shared buffers a statement reads (EXPLAIN ANALYZE counts those of a function's own queries), second run. */
  async function buffersRead(statement: ReturnType<typeof sql>): Promise<number> {
    return suite.db.service.transaction().execute(async (trx) => {
      const explain = sql<{ 'QUERY PLAN': [{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }] }>`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement}`;
      await explain.execute(trx);
      const { rows } = await explain.execute(trx);
      const plan = rows[0]!['QUERY PLAN'][0].Plan;
      return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
    });
  }

  it('declares the caller as the acting user for the rest of the transaction', async () => {
    const acting = await check(alice, null, async (trx) => (await sql<{ v: string }>`SELECT current_setting('mcp_archiver.acting_user') AS v`.execute(trx)).rows[0]!.v);
    expect(acting).toBe(alice.id);
  });

  it("refuses another user's thread, and refuses at the quota, counting open jobs exactly up to it", async () => {
    const notMine = suite.db.service.transaction().execute((trx) => sql`SELECT mcp_archiver.begin_archive_request(${alice.id}, ${bob.threadIds[0]!}, NULL, ${QUEUE}, NULL)`.execute(trx));
    await expect(notMine).rejects.toMatchObject({ code: 'P0001', hint: 'archive_request:thread' });
    await expect(check(alice, 400)).rejects.toMatchObject({ code: 'P0001', hint: 'archive_request:quota' });
    await expect(check(alice, 401)).resolves.toBeUndefined();
  });

  it("reads only the caller's open jobs of the queue, not another user's backlog", async () => {
    const others = (await demoUsers(suite.db)).filter((u) => u.id !== alice.id && u.id !== bob.id && u.threadIds.length > 0);
    const quiet = others[0]!;
    // Bob's 3,000 open jobs and Alice's 400 are in the same queue: a scan of the queue's open jobs reads every page of
    // them (about 170 here); the requester index finds the quiet user's none in a few.
    const read = await buffersRead(sql`SELECT mcp_archiver.begin_archive_request(${quiet.id}, ${quiet.threadIds[0]!}, NULL, ${QUEUE}, 100000)`);
    expect(read).toBeLessThan(50);
  });
});
