import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { checkAccessToken, issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { allowedHostnames, createHttpApp, listen, type ListeningServer } from '../../src/mcp/http-transport.ts';
import { openListeningTokenCache } from '../../src/mcp/token-check-cache.ts';
import { demoUsers, ok, openMcpSuite, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { closeAll } from '../support/close-all.ts';

/**
 * Every statement any pg client of this process sends while `work` runs, and the round trips they cost: a client's
 * round trip is a run of statements it sends before it has an answer to any of them.
 */
async function statementsDuring(work: () => Promise<unknown>): Promise<{ statements: string[]; roundTrips: number }> {
  const statements: string[] = [];
  const waitingForAnswer = new Map<pg.Client, boolean>();
  let roundTrips = 0;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    statements.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text));
    if (!waitingForAnswer.get(this)) roundTrips++;
    waitingForAnswer.set(this, true);
    const answer = (original as (...a: unknown[]) => unknown).apply(this, args);
    const answered = () => waitingForAnswer.set(this, false);
    if (answer instanceof Promise) answer.then(answered, answered);
    return answer;
  } as typeof original;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = original;
  }
  return { statements, roundTrips };
}

describe('archive_conversation over HTTP: round trips and one commit', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let server: ListeningServer;
  let tokens: Awaited<ReturnType<typeof openListeningTokenCache>>;
  let alice: DemoUser;
  let client: Client;

  beforeAll(async () => {
    ({ db, mcp, alice } = await openMcpSuite());
    tokens = await openListeningTokenCache((token) => checkAccessToken(db.service, token), { ttlMs: 60_000, connectionString: db.serviceUrl, log: createLogger('silent') });
    const app = createHttpApp({ deps: { ...mcp.deps, tokenChecks: tokens.cache }, serverName: 'test-archiver', allowedHosts: allowedHostnames(db.config().mcp), allowedOrigins: [] });
    server = await listen(app, '127.0.0.1', 0);
    const { token } = await issueAccessToken(db.owner, { userId: alice.id, name: 'bench', admin: false, expiresAt: null });
    client = new Client({ name: 'round-trips', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  });
  afterAll(() => closeAll(client, server, tokens, mcp, db));

  const archive = (name: string) => client.callTool({ name: 'archive_conversation', arguments: { threadId: alice.threadIds[0]!, name } });

  it('costs one transaction sent in one round trip with the token in the cache, and the job and its audit row commit together', async () => {
    ok(await archive('warm-up'));
    let jobId = '';
    const { statements, roundTrips } = await statementsDuring(async () => {
      jobId = ok<{ jobId: string }>(await archive('counted')).jobId;
    });
    // BEGIN, acting user with the ownership and quota check in one statement, pg-boss insert, audit row, COMMIT, sent
    // back to back (before: the acting user a statement of its own; before that 7 statements in 7 round trips, and
    // before that 14, with the token read and the audit row each in a transaction).
    expect(statements).toHaveLength(5);
    expect(statements[0]).toMatch(/^begin/i);
    expect(statements[1]).toMatch(/begin_archive_request/);
    expect(statements.at(-1)).toMatch(/^commit/i);
    expect(roundTrips).toBe(1);
    const rows = await db.owner
      .selectFrom('mcp_archiver.audit_log')
      .select(['outcome', 'job_id', 'token_id'])
      .where('operation', '=', 'archive_conversation')
      .where('job_id', '=', jobId)
      .execute();
    expect(rows).toEqual([{ outcome: 'ok', job_id: jobId, token_id: expect.any(String) }]);
    const job = await mcp.boss.getJobById('archive-conversation', jobId);
    expect(job?.data).toMatchObject({ name: 'counted', requestedBy: alice.id });
  });

  it('answers a duplicate with the pending job, and audits each of the two calls once with that job', async () => {
    const first = ok<{ jobId: string }>(await archive('twice'));
    const again = ok<{ jobId: string; deduplicated: boolean }>(await archive('twice'));
    expect(again).toMatchObject({ jobId: first.jobId, deduplicated: true });
    const rows = await db.owner.selectFrom('mcp_archiver.audit_log').select(['outcome']).where('operation', '=', 'archive_conversation').where('job_id', '=', first.jobId).execute();
    expect(rows).toEqual([{ outcome: 'ok' }, { outcome: 'ok' }]);
    const jobs = await mcp.boss.findJobs('archive-conversation', { data: { name: 'twice' } });
    expect(jobs.map((job) => job.id)).toEqual([first.jobId]);
  });

  it('leaves no job when the call fails inside its transaction, and audits the failure once', async () => {
    const before = await db.owner.selectFrom('pgboss.job' as never).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const otherUsersThread = (await demoUsers(db)).find((u) => u.id !== alice.id)!.threadIds[0]!;
    const result = await client.callTool({ name: 'archive_conversation', arguments: { threadId: otherUsersThread, name: 'not mine' } });
    expect(result.isError).toBe(true);
    const after = await db.owner.selectFrom('pgboss.job' as never).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const rows = await db.owner.selectFrom('mcp_archiver.audit_log').select(['outcome', 'job_id']).where('operation', '=', 'archive_conversation').where('outcome', '!=', 'ok').execute();
    expect(rows).toEqual([{ outcome: 'not_found', job_id: null }]);
  });
});
