import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeyOfArchive } from '../../src/export/store-location.ts';
import { exportAccess } from '../../src/mcp/export-access.ts';
import { createExportDownloads } from '../../src/mcp/export-downloads.ts';
import { listen, type ListeningServer } from '../../src/mcp/http-transport.ts';
import { caller, connectInMemory, ok, openMcpSuite, writeArchive, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import type { TestDatabase } from '../support/test-database.ts';

// A row whose storage_location points at another archive's export — another user's, or another of the same
// user's — is refused everywhere an export is read: the export resource, get_archive/list_archives (no location,
// no link) and the download route.
describe("export reads are contained to the archive's own folder", () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let http: ListeningServer;
  let alice: DemoUser;
  let bob: DemoUser;
  let client: Client;
  const ids: Record<'alice' | 'aliceOther' | 'bob', string> = { alice: '', aliceOther: '', bob: '' };
  const fileOf = (archiveId: string) => path.join(mcp.exportDir, archiveId, 'thread.md');

  beforeAll(async () => {
    ({ db, mcp, alice, bob } = await openMcpSuite());
    const write = (user: DemoUser, name: string) =>
      writeArchive(db, { userId: user.id, threadId: user.threadIds[0]!, name, summary: 's', body: 'b', exportFormat: 'markdown' });
    ids.alice = (await write(alice, 'Alice')).archiveId;
    ids.aliceOther = (await write(alice, 'Alice, other')).archiveId;
    ids.bob = (await write(bob, 'Bob')).archiveId;
    for (const [owner, archiveId] of Object.entries(ids)) {
      fs.mkdirSync(path.dirname(fileOf(archiveId)), { recursive: true });
      fs.writeFileSync(fileOf(archiveId), `# ${owner}'s private export\n`);
      await db.owner.updateTable('archive').set({ storage_location: `file://${fileOf(archiveId)}` }).where('id', '=', archiveId).execute();
    }
    client = await connectInMemory(mcp.deps, caller(alice.id));
    const app = express();
    app.use(createExportDownloads(mcp.deps, ['127.0.0.1']));
    http = await listen(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await client?.close();
    await http?.close();
    await mcp?.close();
    await db?.drop();
  });

  const pointAliceAt = (archiveId: string) =>
    db.owner.updateTable('archive').set({ storage_location: `file://${fileOf(archiveId)}` }).where('id', '=', ids.alice).execute();
  const download = async (location: string) => {
    const link = new URL(mcp.deps.links!.sign({ archiveId: ids.alice, location }).url);
    return fetch(`${http.url.replace(/\/mcp$/, '')}${link.pathname}`);
  };

  it("serves the archive's own export", async () => {
    await pointAliceAt(ids.alice);
    const read = await client.readResource({ uri: `archive://${ids.alice}/export` });
    expect((read.contents[0] as { text: string }).text).toContain("alice's private export");
    const archive = ok<{ exportLocation: string | null; downloadUrl: string | null }>(await client.callTool({ name: 'get_archive', arguments: { archiveId: ids.alice } }));
    expect(archive.exportLocation).toBe(`${ids.alice}/thread.md`);
    expect(archive.downloadUrl).not.toBeNull();
    const response = await download(`file://${fileOf(ids.alice)}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("alice's private export");
  });

  for (const target of ['bob', 'aliceOther'] as const) {
    it(`refuses a row pointing at ${target === 'bob' ? "another user's" : "another of the user's archives'"} export`, async () => {
      await pointAliceAt(ids[target]);
      await expect(client.readResource({ uri: `archive://${ids.alice}/export` })).rejects.toThrow(/export file is not available/);
      const archive = ok<{ exportLocation: string | null; downloadUrl: string | null }>(await client.callTool({ name: 'get_archive', arguments: { archiveId: ids.alice } }));
      expect(archive).toMatchObject({ exportLocation: null, downloadUrl: null });
      const listed = ok<{ archives: Array<{ archiveId: string; exportLocation: string | null; downloadUrl: string | null }> }>(await client.callTool({ name: 'list_archives', arguments: {} }));
      expect(listed.archives.find((a) => a.archiveId === ids.alice)).toMatchObject({ exportLocation: null, downloadUrl: null });
      // A link signed while the row pointed there (the digest matches the row) still gets nothing.
      const response = await download(`file://${fileOf(ids[target])}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('private export');
    });
  }

  it('keys: only a file directly in the archive folder', () => {
    const id = '0b8a2c56-61a4-4a55-9a43-8d1b0c1c2f10';
    expect(isKeyOfArchive(`${id}/t.md`, id)).toBe(true);
    for (const key of [`${id}`, `${id}/`, `${id}/a/b.md`, `${id}/..`, `${id}x/t.md`, `x/${id}/t.md`, `../${id}/t.md`]) {
      expect(isKeyOfArchive(key, id), key).toBe(false);
    }
    expect(exportAccess({ store: mcp.deps.store }, id, `file://${fileOf('0b8a2c56-61a4-4a55-9a43-8d1b0c1c2f11')}`)).toEqual({ exportLocation: null, downloadUrl: null, downloadExpiresAt: null });
  });
});
