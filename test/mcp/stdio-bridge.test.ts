import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { allowedHostnames, createHttpApp, listen } from '../../src/mcp/http-transport.ts';
import { closeAll } from '../support/close-all.ts';
import { errorText, ok, openMcpSuite, writeArchive } from '../support/mcp-fixtures.ts';
import { CLI, runCli } from '../support/run-cli.ts';
import { useSuite } from '../support/suite.ts';
import { unfenced } from '../support/fences.ts';

describe('chat-archiver mcp --stdio --remote (spawned bridge, real SDK client, real HTTP server)', () => {
  const clients: Client[] = [];
  const suite = useSuite(async (release) => {
    const { db, mcp, alice, bob } = release(await openMcpSuite());
    await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Garden', summary: 'Tomatoes.', body: 'Growing tomatoes on a balcony.' });
    const token = (await issueAccessToken(db.owner, { userId: alice.id, name: 'desktop', admin: false, expiresAt: null })).token;
    const app = createHttpApp({ deps: { ...mcp.deps, limits: { ...mcp.deps.limits, callsPerMinutePerToken: 12 } }, serverName: 'test-archiver', allowedHosts: allowedHostnames(db.config().mcp), allowedOrigins: [] });
    const server = release(await listen(app, '127.0.0.1', 0));
    release({ close: () => closeAll(...clients) });
    return { server, bob, token };
  });

  async function connect(bearer: string): Promise<Client> {
    // Only the URL and the token: no database setting reaches the desktop side.
    const env = { PATH: process.env.PATH ?? '', MCP_ARCHIVER_TOKEN: bearer, LOG_LEVEL: 'warn' };
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--stdio', '--remote', suite.server.url], env, stderr: 'pipe' });
    const client = new Client({ name: 'bridge-test', version: '0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  it('relays tools, resources and the token\'s user, and answers refusals as errors with the server\'s message', async () => {
    const client = await connect(suite.token);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('list_archives');
    const listed = ok<{ archives: Array<{ name: string }> }>(await client.callTool({ name: 'list_archives', arguments: {} }));
    expect(listed.archives.map((a) => unfenced(a.name))).toEqual(['Garden']);
    expect(errorText(await client.callTool({ name: 'archive_conversation', arguments: { threadId: suite.bob.threadIds[0], name: 'Not mine' } }))).toMatch(/not found/);
    expect((await client.listResources()).resources).toHaveLength(1);
    // Beyond the token's calls per minute the server answers 429: the client gets an error naming the limit.
    let refusal: unknown;
    for (let i = 0; i < 12 && !refusal; i++) await client.callTool({ name: 'list_archives', arguments: {} }).catch((error: unknown) => (refusal = error));
    expect(String(refusal)).toMatch(/calls per minute.*MCP_TOKEN_CALLS_PER_MINUTE/);
  });

  it('answers an unknown token with an error, and refuses to start without a token or with a bad URL', async () => {
    await expect(connect('cat_unknownunknownunknownunknown')).rejects.toThrow(/401|invalid_token/);
    const noToken = await runCli(['mcp', '--stdio', '--remote', suite.server.url], {});
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/MCP_ARCHIVER_TOKEN is not set/);
    const badUrl = await runCli(['mcp', '--stdio', '--remote', 'ftp://host/mcp'], { MCP_ARCHIVER_TOKEN: suite.token });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/http:\/\/ or https:\/\//);
  });
});
