import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerHandle } from '../../src/worker/start-worker.ts';
import { caller, connectInMemory, ok, openMcpWithWorker, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { eventually } from '../support/eventually.ts';

// Agents see where an export is inside the store (`<archiveId>/<file>`) and a signed link, never where it is on the
// server: no export directory, no file URI, whichever job wrote it and wherever the location is repeated.

describe('agents never see server paths', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let worker: WorkerHandle;
  let alice: DemoUser;
  let client: Client;
  const responses: Array<[string, unknown]> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ mcp, worker, user: alice } = await openMcpWithWorker(db, 'paths-worker'));
    const agentId = randomUUID();
    await db.owner.insertInto('agent').values({ id: agentId, name: 'Gardener', user_id: alice.id, visibility: 'private' }).execute();
    client = await connectInMemory(mcp.deps, caller(alice.id));
    const calls: Array<[string, Record<string, unknown>]> = [
      ['archive_conversation', { threadId: alice.threadIds[0], name: 'Thread', exportFormat: 'markdown' }],
      ['archive_agent', { agentId, name: 'Agent', exportFormat: 'json' }],
    ];
    for (const [name, args] of calls) {
      const { jobId } = ok<{ jobId: string }>(await client.callTool({ name, arguments: args }));
      const job = await eventually(`job ${jobId}`, async () => {
        const view = ok<{ done: boolean; state: string; result: { archiveId: string } | null }>(await client.callTool({ name: 'get_job', arguments: { jobId } }));
        return view.done ? view : undefined;
      });
      expect(job.state, name).toBe('completed');
      responses.push([`get_job ${name}`, job]);
      const archiveId = job.result!.archiveId;
      responses.push([`get_archive ${name}`, ok(await client.callTool({ name: 'get_archive', arguments: { archiveId } }))]);
      responses.push([`archive:// ${name}`, JSON.parse(((await client.readResource({ uri: `archive://${archiveId}` })).contents[0] as { text: string }).text)]);
    }
    responses.push(['list_archives', ok(await client.callTool({ name: 'list_archives', arguments: {} }))]);
    responses.push(['resources/list', await client.listResources()]);
  });
  afterAll(async () => {
    await client?.close();
    await worker?.stop();
    await mcp?.close();
    await db?.drop();
  });

  it('no response names the export directory or a file URI', () => {
    expect(responses.length).toBe(8);
    for (const [label, response] of responses) {
      const text = JSON.stringify(response);
      expect(text, label).not.toContain(mcp.exportDir);
      expect(text, label).not.toContain('file:');
      expect(text, label).not.toMatch(/"\/(tmp|root|home|var|srv|work)\//);
    }
  });

  it('every location shown is a key of the archive folder', () => {
    const locations = responses.flatMap(([label, response]) =>
      // Item metadata is a chat-derived record: its strings come fenced.
      [...JSON.stringify(response).replace(/<\/?untrusted-archived-content nonce=\\"[0-9a-f]+\\">/g, '').matchAll(/"(?:storageLocation|exportLocation)":"([^"]*)"/g)].map((m) => [label, m[1]!] as const),
    );
    expect(locations.length).toBeGreaterThanOrEqual(4);
    for (const [label, location] of locations) expect(location, label).toMatch(/^[0-9a-f-]{36}\/[\w.-]+$/);
  });
});
