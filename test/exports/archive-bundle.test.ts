import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsStore } from '../../src/export/fs-store.ts';
import { createS3Store } from '../../src/export/s3-store.ts';
import { exportArchiveJob } from '../../src/jobs/export-archive.ts';
import { EXPORT_WRITER_QUEUES, collectExportGarbage } from '../../src/jobs/export-garbage.ts';
import { createLogger } from '../../src/logger.ts';
import { createExportDownloads } from '../../src/mcp/export-downloads.ts';
import type { McpDependencies } from '../../src/mcp/mcp-dependencies.ts';
import { startWorker } from '../../src/worker/start-worker.ts';
import { eventually } from '../support/eventually.ts';
import { adminAndUsers, caller, connectInMemory, errorText, ok, openTestMcp, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import { startS3Server } from '../support/s3-server.ts';
import { connectAsHostApp } from '../support/host-app-role.ts';
import { freePort } from '../support/test-cluster.ts';
import { useSuite } from '../support/suite.ts';
import { openTempDir } from '../support/temp-dir.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const run = promisify(execFile);
const UNZIP = '/usr/bin/unzip';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Manifest {
  format: string;
  exportFormat: string;
  archive: { id: string; name: string; itemCount: number };
  files: Array<{ path: string; archiveItemId: string; itemId: string; itemType: string; title: string | null; format: string; size: number; sha256: string; source: string }>;
  skipped: Array<{ itemId: string; itemType: string; reason: string }>;
}

interface BundleResult {
  archiveId: string;
  format: string;
  exportFormat: string;
  storageLocation: string;
  fileSize: number;
  sha256: string;
  fileCount: number;
  skippedCount: number;
  downloadUrl: string;
  downloadExpiresAt: string;
}

describe.each(['fs', 's3'] as const)('export_archive bundles, %s driver', (driver) => {
  const suite = useSuite(async (release) => {
    const dir = release(await openTempDir('bundle')).path;
    const db = release(await createTestDatabase());
    const s3 = release(await startS3Server());
    const store = driver === 's3' ? createS3Store(s3.storeConfig()) : createFsStore(dir);
    const port = await freePort();
    const mcp = release(await openTestMcp(db, { store, publicBaseUrl: `http://127.0.0.1:${port}` }));
    const app = express();
    app.use(createExportDownloads(mcp.deps, ['127.0.0.1']));
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    release({ close: () => void server.close() });
    const worker = release(await startWorker({
      config: db.config({ EXPORT_DIR: dir }),
      serviceUrl: db.serviceUrl,
      log: createLogger('silent'),
      concurrency: 1,
      instanceName: `bundle-${driver}`,
      tuning: { pollingIntervalSeconds: 0.5, exportStore: store },
    }));
    const { others } = await adminAndUsers(db);
    const agentOwners = new Set((await db.owner.selectFrom('agent').select('user_id').execute()).map((a) => a.user_id));
    const alice = others.find((u) => u.threadIds.length >= 3 && agentOwners.has(u.id))!;
    expect(alice).toBeDefined();
    const client = await connectInMemory(mcp.deps, caller(alice.id));

    // Two threads archived as JSON into one archive, an agent snapshot beside them, and a thread the app added.
    const first = await completed(client, 'archive_conversation', { threadId: alice.threadIds[0]!, name: `Bundle ${driver}`, exportFormat: 'json' });
    const archiveId = first.result.archiveId as string;
    await completed(client, 'archive_conversation', { threadId: alice.threadIds[1]!, name: 'ignored', exportFormat: 'json', archiveId });
    const agentId = (await db.owner.selectFrom('agent').select('id').where('user_id', '=', alice.id).executeTakeFirstOrThrow()).id;
    await completed(client, 'archive_agent', { agentId, name: 'ignored', exportFormat: 'json', archiveId });
    const appAddedThread = alice.threadIds[2]!;
    await db.owner.insertInto('archive_item').values({ archive_id: archiveId, item_id: appAddedThread, user_id: alice.id }).execute();
    return { dir, db, store, mcp, alice, client, archiveId, agentId, appAddedThread };
  });

  async function completed(c: Client, name: string, args: Record<string, unknown>) {
    const { jobId } = ok<{ jobId: string }>(await c.callTool({ name, arguments: args }));
    const view = await eventually(`job ${jobId}`, async () => {
      const shown = ok<{ done: boolean; state: string; result: Record<string, unknown> }>(await c.callTool({ name: 'get_job', arguments: { jobId, waitSeconds: 5 } }));
      return shown.done ? shown : undefined;
    }, 120_000);
    expect(view.state).toBe('completed');
    return { jobId, result: view.result };
  }

  async function bundle(format: string) {
    const { jobId } = ok<{ jobId: string }>(await suite.client.callTool({ name: 'export_archive', arguments: { archiveId: suite.archiveId, format } }));
    const answer = await eventually(`bundle ${jobId}`, async () => {
      const result = await suite.client.callTool({ name: 'get_job', arguments: { jobId, waitSeconds: 5 } });
      return ok<{ done: boolean }>(result).done ? result : undefined;
    }, 120_000);
    const view = ok<{ kind: string; state: string; result: BundleResult }>(answer);
    expect(view).toMatchObject({ kind: 'export_archive', state: 'completed' });
    return { jobId, answer, result: view.result };
  }

  /** Downloads through the signed link, checks the ZIP with unzip, and reads the manifest and every file. */
  async function download(result: BundleResult) {
    const response = await fetch(result.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBe(result.fileSize);
    expect(sha256(bytes)).toBe(result.sha256);
    const file = path.join(suite.dir, `download-${result.sha256}.zip`);
    await writeFile(file, bytes);
    const tested = await run(UNZIP, ['-t', file]);
    expect(tested.stdout).toMatch(/No errors detected/);
    const read = async (entry: string) => (await run(UNZIP, ['-p', file, entry], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })).stdout;
    const manifest = JSON.parse((await read('manifest.json')).toString('utf8')) as Manifest;
    for (const entry of manifest.files) {
      const content = await read(entry.path);
      expect({ path: entry.path, size: content.length, sha256: sha256(content) }).toEqual({ path: entry.path, size: entry.size, sha256: entry.sha256 });
    }
    return { manifest, read };
  }

  it('bundles every item in JSON: archived exports as stored, the app-added thread rendered, with a checked manifest', async () => {
    const { jobId, answer, result } = await bundle('json');
    expect(result).toMatchObject({ archiveId: suite.archiveId, format: 'json', exportFormat: 'zip', storageLocation: `${suite.archiveId}/bundle.${jobId}.zip` });
    expect((answer.content as Array<{ type: string }>).find((c) => c.type === 'resource_link')).toEqual({
      type: 'resource_link',
      uri: result.downloadUrl,
      name: `archive-${suite.archiveId}-json.zip`,
      mimeType: 'application/zip',
      size: result.fileSize,
    });
    const row = await suite.db.owner.selectFrom('mcp_archiver.archive_bundle' as never).selectAll().where('archive_id' as never, '=', suite.archiveId as never).executeTakeFirstOrThrow() as { sha256: string; format: string; file_count: number };
    expect(row).toMatchObject({ sha256: result.sha256, format: 'json', file_count: result.fileCount });

    const { manifest, read } = await download(result);
    expect(manifest).toMatchObject({ format: 'chat-archiver/bundle-v1', exportFormat: 'json', archive: { id: suite.archiveId, name: `Bundle ${driver}` } });
    const byItem = new Map(manifest.files.map((f) => [f.itemId, f]));
    expect(byItem.get(suite.alice.threadIds[0]!)).toMatchObject({ itemType: 'thread', format: 'json', source: 'archived' });
    expect(byItem.get(suite.alice.threadIds[1]!)).toMatchObject({ itemType: 'thread', source: 'archived' });
    expect(byItem.get(suite.appAddedThread)).toMatchObject({ itemType: 'thread', source: 'rendered' });
    expect(byItem.get(suite.agentId)).toMatchObject({ itemType: 'agent', source: 'archived' });
    expect(manifest.files).toHaveLength(result.fileCount);
    expect(manifest.skipped).toEqual([]);

    // An archived file is the item's stored export byte for byte; a rendered one is a whole JSON export.
    const items = await suite.db.owner.selectFrom('archive_item').select(['item_id', 'metadata']).where('archive_id', '=', suite.archiveId).execute();
    const stored = items.find((i) => i.item_id === suite.alice.threadIds[0])!.metadata as { export: { sha256: string } };
    expect(byItem.get(suite.alice.threadIds[0]!)!.sha256).toBe(stored.export.sha256);
    const rendered = JSON.parse((await read(byItem.get(suite.appAddedThread)!.path)).toString('utf8')) as { messages: unknown[] };
    expect(rendered.messages.length).toBeGreaterThan(0);
  });

  it('renders threads in another format, and lists a snapshot without an export in it as skipped', async () => {
    const { result } = await bundle('markdown');
    const { manifest, read } = await download(result);
    const threads = manifest.files.filter((f) => f.itemType === 'thread');
    expect(threads.map((f) => f.itemId).sort()).toEqual([suite.alice.threadIds[0]!, suite.alice.threadIds[1]!, suite.appAddedThread].sort());
    for (const f of threads) {
      expect(f).toMatchObject({ format: 'markdown', source: 'rendered' });
      expect(f.path).toMatch(/\.md$/);
      expect((await read(f.path)).toString('utf8')).toContain('# ');
    }
    expect(manifest.skipped).toEqual([expect.objectContaining({ itemId: suite.agentId, itemType: 'agent', reason: 'no_export_in_format' })]);
  });

  it('replaces the previous bundle of the same format; GC keeps the named one and removes it once the archive is deleted', async () => {
    const keys = async () => {
      const found: string[] = [];
      for await (const object of suite.store.list()) if (object.key.startsWith(`${suite.archiveId}/bundle.`)) found.push(object.key);
      return found.sort();
    };
    const before = await keys();
    const { result } = await bundle('json');
    const after = await keys();
    // The new JSON bundle replaced the old one; the Markdown bundle stays.
    expect(after).toHaveLength(before.length);
    expect(after).toContain(result.storageLocation);

    const gc = () => collectExportGarbage({ db: suite.db.service, boss: suite.mcp.boss, store: suite.store, exportDir: suite.dir, writerQueues: EXPORT_WRITER_QUEUES }, { dryRun: false, graceMs: 0 });
    const kept = await gc();
    expect(kept.deleted.filter((k) => k.includes('/bundle.'))).toEqual([]);
    expect(await keys()).toEqual(after);

    // Deleted by the app's own role: the cascade removes the bundle rows, and the next collection the objects.
    const app = await connectAsHostApp(suite.db, 'bundle_test_host_app');
    try {
      await app.deleteFrom('archive').where('id', '=', suite.archiveId).execute();
    } finally {
      await app.destroy();
    }
    const collected = await gc();
    expect(collected.deleted.filter((k) => k.startsWith(`${suite.archiveId}/bundle.`)).sort()).toEqual(after);
    expect(await keys()).toEqual([]);
  });
});

describe('export_archive requests: ownership, bad input, dedup, quota, audit', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let alice: DemoUser, bob: DemoUser;
  let aliceClient: Client, bobClient: Client;
  let aliceArchive: string;
  let bobArchive: string;

  beforeAll(async () => {
    // No worker: requests stay queued, so pending duplicates and the quota are deterministic.
    db = await createTestDatabase();
    mcp = await openTestMcp(db);
    const { others } = await adminAndUsers(db);
    [alice, bob] = others as [DemoUser, DemoUser];
    const deps: McpDependencies = { ...mcp.deps, limits: { ...mcp.deps.limits, jobsPerUser: { byQueue: { [exportArchiveJob.queue]: 2 }, otherQueues: 20 } } };
    aliceClient = await connectInMemory(deps, caller(alice.id));
    bobClient = await connectInMemory(deps, caller(bob.id));
    const archive = async (userId: string, name: string) =>
      (await db.owner.insertInto('archive').values({ name, user_id: userId }).returning('id').executeTakeFirstOrThrow()).id;
    aliceArchive = await archive(alice.id, 'Alice\'s');
    bobArchive = await archive(bob.id, 'Bob\'s');
  });
  afterAll(async () => {
    await mcp?.close();
    await db?.drop();
  });

  const request = (c: Client, args: Record<string, unknown>) => c.callTool({ name: 'export_archive', arguments: args });

  it('answers a foreign archive exactly like an unknown one, and refuses bad input with what to send', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(errorText(await request(aliceClient, { archiveId: bobArchive, format: 'json' }))).toBe(`archive ${bobArchive} not found`);
    expect(errorText(await request(aliceClient, { archiveId: unknown, format: 'json' }))).toBe(`archive ${unknown} not found`);
    expect(errorText(await request(aliceClient, { archiveId: aliceArchive, format: 'zip' }))).toMatch(/format: expected one of json, markdown, pdf/);
    expect(errorText(await request(aliceClient, { archiveId: 'nope', format: 'json' }))).toMatch(/archiveId: expected an archive id \(a uuid\)/);
    expect(errorText(await request(aliceClient, { archiveId: aliceArchive }))).toMatch(/format/);
    expect(errorText(await request(aliceClient, { archiveId: aliceArchive, format: 'json', extra: 1 }))).toMatch(/extra/);
    expect(await mcp.boss.findJobs(exportArchiveJob.queue, { queued: true })).toEqual([]);
  });

  it('returns the pending job for the same request, applies the per-user quota, and audits every call', async () => {
    const first = ok<{ jobId: string; deduplicated: boolean }>(await request(aliceClient, { archiveId: aliceArchive, format: 'json' }));
    expect(first.deduplicated).toBe(false);
    expect(ok(await request(aliceClient, { archiveId: aliceArchive, format: 'json' }))).toMatchObject({ jobId: first.jobId, deduplicated: true });
    ok(await request(aliceClient, { archiveId: aliceArchive, format: 'markdown' }));
    expect(errorText(await request(aliceClient, { archiveId: aliceArchive, format: 'pdf' }))).toMatch(
      /job quota reached: you have 2 export-archive jobs queued or running, the limit is 2 per user/,
    );
    // At the cap, a duplicate still answers with its job; other users have their own quota.
    expect(ok(await request(aliceClient, { archiveId: aliceArchive, format: 'json' }))).toMatchObject({ jobId: first.jobId, deduplicated: true });
    ok(await request(bobClient, { archiveId: bobArchive, format: 'pdf' }));

    const shown = ok<{ kind: string; state: string }>(await aliceClient.callTool({ name: 'get_job', arguments: { jobId: first.jobId } }));
    expect(shown).toMatchObject({ kind: 'export_archive', state: 'queued' });
    expect(errorText(await bobClient.callTool({ name: 'get_job', arguments: { jobId: first.jobId } }))).toBe(`job ${first.jobId} not found`);

    const audited = await db.owner.selectFrom('mcp_archiver.audit_log').select(['outcome', 'job_id']).where('operation', '=', 'export_archive').where('user_id', '=', alice.id).execute();
    expect(audited.map((r) => r.outcome).sort()).toEqual(['invalid_input', 'invalid_input', 'invalid_input', 'invalid_input', 'limited', 'not_found', 'not_found', 'ok', 'ok', 'ok', 'ok']);
    expect(audited.filter((r) => r.outcome === 'ok').every((r) => r.job_id !== null)).toBe(true);
  });
});
