import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/connect.ts';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../../src/db/database-errors.ts';
import { closeAll } from '../support/close-all.ts';
import { caller, connectInMemory, errorText, openMcpSuite, writeArchive, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import { freePort } from '../support/test-cluster.ts';
import type { TestDatabase } from '../support/test-database.ts';

describe('one audited path for tool calls, resource reads and lists', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let alice: DemoUser;
  let client: Client;

  beforeAll(async () => {
    ({ db, mcp, alice } = await openMcpSuite());
    await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Harbour notes', summary: 'Boats.', body: 'Sailing.' });
    client = await connectInMemory(mcp.deps, caller(alice.id));
  });
  afterAll(() => closeAll(mcp, db));

  const audited = (operation: string) =>
    db.owner.selectFrom('mcp_archiver.audit_log').select(['outcome', 'detail']).where('operation', '=', operation).where('user_id', '=', alice.id).execute();

  it('audits resources/list', async () => {
    const listed = await client.listResources();
    expect(listed.resources.map((r) => r.uri)).toHaveLength(1);
    expect(await audited('resources/list')).toEqual([{ outcome: 'ok', detail: null }]);
  });

  it('audits calls of unknown tools as invalid input, naming the tool', async () => {
    expect(errorText(await client.callTool({ name: 'drop_everything', arguments: {} }))).toMatch(/unknown tool "drop_everything"; see tools\/list/);
    expect(await audited('unknown_tool')).toEqual([{ outcome: 'invalid_input', detail: { tool: 'drop_everything' } }]);
  });

  it('answers a resource read during a database outage with the outage message, as tools do', async () => {
    // A pool whose server is gone: every connection attempt is refused.
    const dead = createDb(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`, { max: 1 });
    try {
      const outage = await connectInMemory({ ...mcp.deps, db: dead }, caller(alice.id));
      await expect(outage.readResource({ uri: `archive://${randomUUID()}` })).rejects.toThrow(DATABASE_UNAVAILABLE_MESSAGE);
      await expect(outage.listResources()).rejects.toThrow(DATABASE_UNAVAILABLE_MESSAGE);
      expect(errorText(await outage.callTool({ name: 'list_archives', arguments: {} }))).toBe(DATABASE_UNAVAILABLE_MESSAGE);
      await outage.close();
    } finally {
      await dead.destroy();
    }
  });
});
