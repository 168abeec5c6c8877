import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { createBoss } from '../../src/jobs/boss.ts';
import { demoUsers, errorText, ok, writeArchive, type DemoUser } from '../support/mcp-fixtures.ts';
import { CLI, runCli } from '../support/run-cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { archiverTools } from '../../src/mcp/archiver-server.ts';
import { unfenced } from '../support/fences.ts';

describe('chat-archiver mcp --stdio (spawned process, real client)', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let alice: DemoUser;
  let bob: DemoUser;
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    [alice, bob] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser, DemoUser];
    await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Garden', summary: 'Tomatoes.', body: 'Growing tomatoes on a balcony.' });
    // What an MCP client's configuration holds: the service role's URL and the user, nothing of the owner's.
    env = { PATH: process.env.PATH ?? '', MCP_DATABASE_URL: db.serviceUrl, MCP_ARCHIVER_USER_ID: alice.id, LOG_LEVEL: 'info' };
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--stdio'], env, stderr: 'pipe' });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    client = new Client({ name: 'stdio-test', version: '0' });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    await db?.drop();
  });

  it('serves the configured user, with logs on stderr only', async () => {
    expect((await client.listTools()).tools).toHaveLength(archiverTools.length);
    const hits = ok<{ hits: Array<{ archiveName: string }> }>(await client.callTool({ name: 'search_archives', arguments: { query: 'tomato' } }));
    expect(hits.hits.map((h) => unfenced(h.archiveName))).toEqual(['Garden']);
    const queued = ok<{ jobId: string }>(await client.callTool({ name: 'archive_conversation', arguments: { threadId: alice.threadIds[1], name: 'Via stdio' } }));
    expect(errorText(await client.callTool({ name: 'archive_conversation', arguments: { threadId: bob.threadIds[0], name: 'Not mine' } }))).toMatch(/not found/);
    // Any stray byte on stdout would have broken the JSON-RPC stream before this point.
    expect(stderr).toContain('"msg":"mcp operation"');
    expect(stderr).not.toContain('Tomatoes');

    const boss = createBoss(db.serviceUrl, { instanceName: 'test-check' });
    await boss.start();
    try {
      const [job] = await boss.findJobs(archiveConversationJob.queue, { id: queued.jobId });
      expect(job?.data).toMatchObject({ requestedBy: alice.id, name: 'Via stdio' });
    } finally {
      await boss.stop({ graceful: false });
    }
    const audit = await db.owner.selectFrom('mcp_archiver.audit_log').select(['transport']).where('user_id', '=', alice.id).execute();
    expect(new Set(audit.map((a) => a.transport))).toEqual(new Set(['stdio']));
  });

  it('refuses to start without MCP_ARCHIVER_USER_ID, or when the server is disabled', async () => {
    const { MCP_ARCHIVER_USER_ID: _omitted, ...withoutUser } = env;
    const noUser = await runCli(['mcp', '--stdio'], withoutUser);
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toMatch(/MCP_ARCHIVER_USER_ID is not set/);
    expect(noUser.stdout).toBe('');

    for (const args of [['mcp'], ['mcp', '--stdio']]) {
      const disabled = await runCli(args, { ...env, MCP_SERVER_ENABLED: 'false' });
      expect(disabled.code).toBe(1);
      expect(disabled.stderr).toMatch(/the MCP server is disabled \(MCP_SERVER_ENABLED=false\)/);
    }
  });
});
