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

/** Every statement any pg client of this process sends while `work` runs. */
async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    seen.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = original;
  }
  return seen;
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

  it('costs one transaction of seven statements with the token in the cache, and the job and its audit row commit together', async () => {
    ok(await archive('warm-up'));
    let jobId = '';
    const statements = await statementsDuring(async () => {
      jobId = ok<{ jobId: string }>(await archive('counted')).jobId;
    });
    // BEGIN, acting user, thread ownership, quota count, pg-boss insert, audit row, COMMIT (before: 14, with the
    // token read and the audit row each in a transaction of their own).
    expect(statements).toHaveLength(7);
    expect(statements[0]).toMatch(/^begin/i);
    expect(statements.at(-1)).toMatch(/^commit/i);
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
