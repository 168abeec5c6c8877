import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { allowedHostnames, createHttpApp, listen, type ListeningServer } from '../../src/mcp/http-transport.ts';
import { countRows, errorText, ok, openMcpSuite, writeArchive, type DemoUser, type RowCounts, type TestMcp } from '../support/mcp-fixtures.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { closeAll } from '../support/close-all.ts';

interface Attempt {
  what: string;
  operation: string;
  outcome: 'not_found' | 'invalid_input' | 'ok';
  run: (bob: Client) => Promise<string>;
}

describe('cross-user attempts over HTTP: refused or "not found", and every one in the audit log', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let server: ListeningServer;
  let alice: DemoUser;
  let bob: DemoUser;
  let aliceClient: Client;
  let bobClient: Client;
  let bobTokenId: string;
  let aliceArchiveId: string;
  let aliceArchiveJob: string;
  let alicePatternJob: string;
  let before: RowCounts;

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'cross-user', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  }

  beforeAll(async () => {
    ({ db, mcp, alice, bob } = await openMcpSuite());
    const app = createHttpApp({ deps: mcp.deps, serverName: 'test-archiver', allowedHosts: allowedHostnames(db.config().mcp), allowedOrigins: [] });
    server = await listen(app, '127.0.0.1', 0);
    const aliceToken = (await issueAccessToken(db.owner, { userId: alice.id, name: 'alice', admin: false, expiresAt: null })).token;
    const bobIssued = await issueAccessToken(db.owner, { userId: bob.id, name: 'bob', admin: false, expiresAt: null });
    bobTokenId = bobIssued.info.id;
    aliceArchiveId = (
      await writeArchive(db, {
        userId: alice.id,
        threadId: alice.threadIds[0]!,
        name: 'Zanzibar trip',
        summary: 'Spice farms in Zanzibar.',
        body: 'We planned a trip to Zanzibar with a visit to the clove plantations.',
        storageLocation: 'alice.json',
      })
    ).archiveId;
    aliceClient = await connect(aliceToken);
    bobClient = await connect(bobIssued.token);
    aliceArchiveJob = ok<{ jobId: string }>(await aliceClient.callTool({ name: 'archive_conversation', arguments: { threadId: alice.threadIds[1], name: 'Mine' } })).jobId;
    alicePatternJob = ok<{ jobId: string }>(await aliceClient.callTool({ name: 'analyze_conversation_patterns', arguments: {} })).jobId;
    before = await countRows(db);
  });
  afterAll(() => closeAll(aliceClient, bobClient, server, mcp, db));

  const tool = (name: string, args: () => Record<string, unknown>) => async (client: Client) => errorText(await client.callTool({ name, arguments: args() }));
  const resource = (uri: () => string) => (client: Client) =>
    client.readResource({ uri: uri() }).then(
      () => 'read succeeded',
      (e: Error) => e.message,
    );

  const attempts: Attempt[] = [
    { what: 'archive another user\'s thread', operation: 'archive_conversation', outcome: 'not_found', run: tool('archive_conversation', () => ({ threadId: alice.threadIds[2], name: 'Steal' })) },
    { what: 'add an own thread to another user\'s archive', operation: 'archive_conversation', outcome: 'not_found', run: tool('archive_conversation', () => ({ threadId: bob.threadIds[0], name: 'Into hers', archiveId: aliceArchiveId })) },
    { what: 'read another user\'s archive job', operation: 'get_job', outcome: 'not_found', run: tool('get_job', () => ({ jobId: aliceArchiveJob })) },
    { what: 'read another user\'s analysis job', operation: 'get_job', outcome: 'not_found', run: tool('get_job', () => ({ jobId: alicePatternJob })) },
    { what: 'read another user\'s archive', operation: 'get_archive', outcome: 'not_found', run: tool('get_archive', () => ({ archiveId: aliceArchiveId })) },
    { what: 'search another user\'s archives by userId', operation: 'search_archives', outcome: 'invalid_input', run: tool('search_archives', () => ({ query: 'zanzibar', userId: alice.id })) },
    { what: 'analyse another user', operation: 'analyze_conversation_patterns', outcome: 'invalid_input', run: tool('analyze_conversation_patterns', () => ({ userId: alice.id })) },
    { what: 'analyse every user', operation: 'analyze_conversation_patterns', outcome: 'invalid_input', run: tool('analyze_conversation_patterns', () => ({ allUsers: true })) },
    { what: 'read another user\'s archive resource', operation: 'resource:archive', outcome: 'not_found', run: resource(() => `archive://${aliceArchiveId}`) },
    { what: 'read another user\'s export resource', operation: 'resource:archive-export', outcome: 'not_found', run: resource(() => `archive://${aliceArchiveId}/export`) },
  ];

  it('refuses each attempt as "not found" or "admin only", and audits it with that outcome', async () => {
    for (const attempt of attempts) {
      const message = await attempt.run(bobClient);
      expect(message, attempt.what).toMatch(attempt.outcome === 'not_found' ? /not found/ : /only an admin token/);
      expect(message, attempt.what).not.toMatch(/Zanzibar|clove/i);
    }
    const rows = await db.owner
      .selectFrom('mcp_archiver.audit_log')
      .select(['operation', 'outcome', 'user_id', 'transport', 'detail'])
      .where('token_id', '=', bobTokenId)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.operation, r.outcome])).toEqual(attempts.map((a) => [a.operation, a.outcome]));
    for (const row of rows) expect(row).toMatchObject({ user_id: bob.id, transport: 'http' });
  });

  it('finds nothing when searching for words of another user\'s conversations, and audits the search without its words', async () => {
    for (const query of ['zanzibar', 'clove plantations', '"spice farms"']) {
      expect(ok<{ hits: unknown[] }>(await bobClient.callTool({ name: 'search_archives', arguments: { query } })).hits).toEqual([]);
    }
    expect(ok<{ hits: unknown[] }>(await aliceClient.callTool({ name: 'search_archives', arguments: { query: 'zanzibar' } })).hits).toHaveLength(1);
    const searches = await db.owner
      .selectFrom('mcp_archiver.audit_log')
      .select(['outcome', 'detail'])
      .where('token_id', '=', bobTokenId)
      .where('operation', '=', 'search_archives')
      .where('outcome', '=', 'ok')
      .execute();
    expect(searches).toHaveLength(3);
    expect(JSON.stringify(searches)).not.toMatch(/zanzibar|clove|spice/i);
  });

  it('lists none of another user\'s archives, as tools and as resources', async () => {
    expect(ok<{ archives: unknown[] }>(await bobClient.callTool({ name: 'list_archives', arguments: {} })).archives).toEqual([]);
    expect((await bobClient.listResources()).resources).toEqual([]);
  });

  it('wrote nothing but audit rows', async () => {
    expect(await countRows(db)).toEqual(before);
  });
});
