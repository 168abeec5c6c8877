import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { issueAccessToken, revokeAccessToken } from '../../src/mcp/access-tokens.ts';
import { allowedHostnames, createHttpApp, listen } from '../../src/mcp/http-transport.ts';
import { closeAll } from '../support/close-all.ts';
import { errorText, ok, openMcpSuite, writeArchive } from '../support/mcp-fixtures.ts';
import { rawMcpRequest } from '../support/raw-http.ts';
import { useSuite } from '../support/suite.ts';
import { archiverTools } from '../../src/mcp/archiver-server.ts';
import { unfenced } from '../support/fences.ts';

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

describe('MCP over Streamable HTTP with bearer tokens', () => {
  const clients: Client[] = [];
  const suite = useSuite(async (release) => {
    const { db, mcp, admin, alice } = release(await openMcpSuite());
    const config = db.config();
    const app = createHttpApp({
      deps: mcp.deps,
      serverName: 'test-archiver',
      allowedHosts: allowedHostnames(config.mcp),
      allowedOrigins: ['https://chat.example.com'],
    });
    const server = release(await listen(app, '127.0.0.1', 0));
    release({ close: () => closeAll(...clients) });
    const issued = await issueAccessToken(db.owner, { userId: alice.id, name: 'laptop', admin: false, expiresAt: null });
    const adminToken = (await issueAccessToken(db.owner, { userId: admin.id, name: 'ops', admin: true, expiresAt: new Date(Date.now() + 86_400_000) })).token;
    await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Harbour notes', summary: 'Boats.', body: 'Sailing boats in the harbour.' });
    return { db, mcp, server, alice, admin, aliceToken: issued.token, aliceTokenId: issued.info.id, adminToken };
  });

  async function connect(token: string): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(suite.server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'http-test', version: '0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  const raw = (method: string, headers: Record<string, string>, body?: string) => rawMcpRequest(suite.server.url, { method, headers, body });

  it('serves a valid token\'s user: tools, jobs and resources act for that user', async () => {
    const client = await connect(suite.aliceToken);
    expect((await client.listTools()).tools).toHaveLength(archiverTools.length);
    const queued = ok<{ jobId: string }>(await client.callTool({ name: 'archive_conversation', arguments: { threadId: suite.alice.threadIds[1], name: 'Over HTTP' } }));
    const [job] = await suite.mcp.boss.findJobs(archiveConversationJob.queue, { id: queued.jobId });
    expect(job?.data).toMatchObject({ requestedBy: suite.alice.id });
    expect(ok(await client.callTool({ name: 'get_job', arguments: { jobId: queued.jobId } }))).toMatchObject({ state: 'queued' });
    const hits = ok<{ hits: Array<{ archiveName: string }> }>(await client.callTool({ name: 'search_archives', arguments: { query: 'harbour' } }));
    expect(hits.hits.map((h) => unfenced(h.archiveName))).toEqual(['Harbour notes']);
    expect((await client.listResources()).resources).toHaveLength(1);

    const audit = await suite.db.owner
      .selectFrom('mcp_archiver.audit_log')
      .select(['operation', 'transport', 'token_id', 'job_id'])
      .where('user_id', '=', suite.alice.id)
      .where('operation', '=', 'archive_conversation')
      .execute();
    expect(audit).toEqual([{ operation: 'archive_conversation', transport: 'http', token_id: suite.aliceTokenId, job_id: queued.jobId }]);
    const token = await suite.db.owner.selectFrom('mcp_archiver.access_token').select('last_used_at').where('id', '=', suite.aliceTokenId).executeTakeFirstOrThrow();
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
    const expired = await issueAccessToken(suite.db.owner, { userId: suite.alice.id, name: 'old', admin: false, expiresAt: new Date(Date.now() - 1000) });
    const response = await raw('POST', { authorization: `Bearer ${expired.token}` }, initialize);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('token expired');

    const doomed = await issueAccessToken(suite.db.owner, { userId: suite.alice.id, name: 'doomed', admin: false, expiresAt: null });
    const client = await connect(doomed.token);
    expect(ok(await client.callTool({ name: 'list_archives', arguments: {} }))).toHaveProperty('archives');
    await revokeAccessToken(suite.db.owner, doomed.info.id);
    await expect(client.callTool({ name: 'list_archives', arguments: {} })).rejects.toThrow();
    const after = await raw('POST', { authorization: `Bearer ${doomed.token}` }, initialize);
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toContain('token revoked');
  });

  it('honours userId only for admin tokens', async () => {
    const adminClient = await connect(suite.adminToken);
    const forAlice = ok<{ hits: unknown[] }>(await adminClient.callTool({ name: 'search_archives', arguments: { query: 'harbour', userId: suite.alice.id } }));
    expect(forAlice.hits).toHaveLength(1);
    const aliceClient = await connect(suite.aliceToken);
    expect(errorText(await aliceClient.callTool({ name: 'search_archives', arguments: { query: 'harbour', userId: suite.admin.id } }))).toMatch(/only an admin/);
  });

  it('rejects foreign Host and Origin headers (DNS rebinding, cross-site pages)', async () => {
    const auth = { authorization: `Bearer ${suite.aliceToken}` };
    expect((await raw('POST', { ...auth, host: 'attacker.example:80' }, initialize)).status).toBe(403);
    expect((await raw('POST', { ...auth, origin: 'https://attacker.example' }, initialize)).status).toBe(403);
    expect((await raw('POST', { ...auth, origin: 'null' }, initialize)).status).toBe(403);
    expect((await raw('POST', { ...auth, origin: 'https://chat.example.com' }, initialize)).status).toBe(200);
    expect((await raw('POST', { ...auth, origin: 'http://localhost:3000', host: 'localhost' }, initialize)).status).toBe(200);
  });

  it('answers GET and DELETE with 405, and malformed JSON with a parse error, never a stack', async () => {
    const auth = { authorization: `Bearer ${suite.aliceToken}` };
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
