import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/connect.ts';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../../src/db/database-errors.ts';
import { caller, connectInMemory, errorText, openMcpSuite, writeArchive } from '../support/mcp-fixtures.ts';
import { freePort } from '../support/test-cluster.ts';
import { useSuite } from '../support/suite.ts';

describe('one audited path for tool calls, resource reads and lists', () => {
  const suite = useSuite(async (release) => {
    const { db, mcp, alice } = release(await openMcpSuite());
    await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Harbour notes', summary: 'Boats.', body: 'Sailing.' });
    return { db, mcp, alice, client: await connectInMemory(mcp.deps, caller(alice.id)) };
  });

  const audited = (operation: string) =>
    suite.db.owner.selectFrom('mcp_archiver.audit_log').select(['outcome', 'detail']).where('operation', '=', operation).where('user_id', '=', suite.alice.id).execute();

  it('audits resources/list', async () => {
    const listed = await suite.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toHaveLength(1);
    expect(await audited('resources/list')).toEqual([{ outcome: 'ok', detail: null }]);
  });

  it('audits calls of unknown tools as invalid input, naming the tool', async () => {
    expect(errorText(await suite.client.callTool({ name: 'drop_everything', arguments: {} }))).toMatch(/unknown tool "drop_everything"; see tools\/list/);
    expect(await audited('unknown_tool')).toEqual([{ outcome: 'invalid_input', detail: { tool: 'drop_everything' } }]);
  });

  it('answers a resource read during a database outage with the outage message, as tools do', async () => {
    // A pool whose server is gone: every connection attempt is refused.
    const dead = createDb(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`, { max: 1 });
    try {
      const outage = await connectInMemory({ ...suite.mcp.deps, db: dead }, caller(suite.alice.id));
      await expect(outage.readResource({ uri: `archive://${randomUUID()}` })).rejects.toThrow(DATABASE_UNAVAILABLE_MESSAGE);
      await expect(outage.listResources()).rejects.toThrow(DATABASE_UNAVAILABLE_MESSAGE);
      expect(errorText(await outage.callTool({ name: 'list_archives', arguments: {} }))).toBe(DATABASE_UNAVAILABLE_MESSAGE);
      await outage.close();
    } finally {
      await dead.destroy();
    }
  });
});
