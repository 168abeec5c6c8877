import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { issueAccessToken, revokeAccessToken } from '../../src/mcp/access-tokens.ts';
import { allowedHostnames, createHttpApp, listen, type ListeningServer } from '../../src/mcp/http-transport.ts';
import { demoUsers, errorText, ok, openTestMcp, writeArchive, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import { rawMcpRequest } from '../support/raw-http.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { archiverTools } from '../../src/mcp/archiver-server.ts';
import { unfenced } from '../support/fences.ts';

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

describe('MCP over Streamable HTTP with bearer tokens', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let server: ListeningServer;
  let alice: DemoUser;
  let admin: DemoUser;
  let aliceToken: string;
  let aliceTokenId: string;
  let adminToken: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    mcp = await openTestMcp(db);
    const users = await demoUsers(db);
    admin = users.find((u) => u.role === 'admin')!;
    [alice] = users.filter((u) => u.role !== 'admin') as [DemoUser];
    const config = db.config();
    const app = createHttpApp({
      deps: mcp.deps,
      serverName: 'test-archiver',
      allowedHosts: allowedHostnames(config.mcp),
      allowedOrigins: ['https://chat.example.com'],
    });
    server = await listen(app, '127.0.0.1', 0);
    const issued = await issueAccessToken(db.owner, { userId: alice.id, name: 'laptop', admin: false, expiresAt: null });
    aliceToken = issued.token;
    aliceTokenId = issued.info.id;
    adminToken = (await issueAccessToken(db.owner, { userId: admin.id, name: 'ops', admin: true, expiresAt: new Date(Date.now() + 86_400_000) })).token;
    await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Harbour notes', summary: 'Boats.', body: 'Sailing boats in the harbour.' });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await server?.close();
    await mcp?.close();
    await db?.drop();
  });

  async function connect(token: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'http-test', version: '0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  const raw = (method: string, headers: Record<string, string>, body?: string) => rawMcpRequest(server.url, { method, headers, body });

  it('serves a valid token\'s user: tools, jobs and resources act for that user', async () => {
    const client = await connect(aliceToken);
    expect((await client.listTools()).tools).toHaveLength(archiverTools.length);
    const queued = ok<{ jobId: string }>(await client.callTool({ name: 'archive_conversation', arguments: { threadId: alice.threadIds[1], name: 'Over HTTP' } }));
    const [job] = await mcp.boss.findJobs(archiveConversationJob.queue, { id: queued.jobId });
    expect(job?.data).toMatchObject({ requestedBy: alice.id });
    expect(ok(await client.callTool({ name: 'get_job', arguments: { jobId: queued.jobId } }))).toMatchObject({ state: 'queued' });
    const hits = ok<{ hits: Array<{ archiveName: string }> }>(await client.callTool({ name: 'search_archives', arguments: { query: 'harbour' } }));
    expect(hits.hits.map((h) => unfenced(h.archiveName))).toEqual(['Harbour notes']);
    expect((await client.listResources()).resources).toHaveLength(1);

    const audit = await db.owner
      .selectFrom('mcp_archiver.audit_log')
      .select(['operation', 'transport', 'token_id', 'job_id'])
      .where('user_id', '=', alice.id)
      .where('operation', '=', 'archive_conversation')
      .execute();
    expect(audit).toEqual([{ operation: 'archive_conversation', transport: 'http', token_id: aliceTokenId, job_id: queued.jobId }]);
    const token = await db.owner.selectFrom('mcp_archiver.access_token').select('last_used_at').where('id', '=', aliceTokenId).executeTakeFirstOrThrow();
    expect(token.last_used_at).not.toBeNull();
  });

  it('answers 401 with WWW-Authenticate when the token is missing, malformed or unknown', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Basic YWxpY2U6cHc=' }, { authorization: 'Bearer not-a-token' }, { authorization: `Bearer cat_${'A'.repeat(43)}` }]) {
      const response = await raw('POST', headers, initialize);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
      expect(response.body).not.toMatch(/\n\s+at /);
    }
    await expect(connect('cat_unknown')).rejects.toThrow();
  });

  it('refuses expired and revoked tokens, and a revocation applies to the very next request', async () => {
    const expired = await issueAccessToken(db.owner, { userId: alice.id, name: 'old', admin: false, expiresAt: new Date(Date.now() - 1000) });
    const response = await raw('POST', { authorization: `Bearer ${expired.token}` }, initialize);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('token expired');

    const doomed = await issueAccessToken(db.owner, { userId: alice.id, name: 'doomed', admin: false, expiresAt: null });
    const client = await connect(doomed.token);
    expect(ok(await client.callTool({ name: 'list_archives', arguments: {} }))).toHaveProperty('archives');
    await revokeAccessToken(db.owner, doomed.info.id);
    await expect(client.callTool({ name: 'list_archives', arguments: {} })).rejects.toThrow();
    const after = await raw('POST', { authorization: `Bearer ${doomed.token}` }, initialize);
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toContain('token revoked');
  });

  it('honours userId only for admin tokens', async () => {
    const adminClient = await connect(adminToken);
    const forAlice = ok<{ hits: unknown[] }>(await adminClient.callTool({ name: 'search_archives', arguments: { query: 'harbour', userId: alice.id } }));
    expect(forAlice.hits).toHaveLength(1);
    const aliceClient = await connect(aliceToken);
    expect(errorText(await aliceClient.callTool({ name: 'search_archives', arguments: { query: 'harbour', userId: admin.id } }))).toMatch(/only an admin/);
  });

  it('rejects foreign Host and Origin headers (DNS rebinding, cross-site pages)', async () => {
    const auth = { authorization: `Bearer ${aliceToken}` };
    expect((await raw('POST', { ...auth, host: 'attacker.example:80' }, initialize)).status).toBe(403);
    expect((await raw('POST', { ...auth, origin: 'https://attacker.example' }, initialize)).status).toBe(403);
    expect((await raw('POST', { ...auth, origin: 'null' }, initialize)).status).toBe(403);
    expect((await raw('POST', { ...auth, origin: 'https://chat.example.com' }, initialize)).status).toBe(200);
    expect((await raw('POST', { ...auth, origin: 'http://localhost:3000', host: 'localhost' }, initialize)).status).toBe(200);
  });

  it('answers GET and DELETE with 405, and malformed JSON with a parse error, never a stack', async () => {
    const auth = { authorization: `Bearer ${aliceToken}` };
    for (const method of ['GET', 'DELETE']) {
      const response = await raw(method, auth);
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
    }
    const malformed = await raw('POST', auth, '{"jsonrpc": "2.0", ');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ error: { code: -32700 } });
    expect(malformed.body).not.toMatch(/at |node_modules/);
  });
});
