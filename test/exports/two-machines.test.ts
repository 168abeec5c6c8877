import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinkSigner } from '../../src/export/download-links.ts';
import { createFsStore } from '../../src/export/fs-store.ts';
import type { ExportStore } from '../../src/export/object-store.ts';
import { createS3Store } from '../../src/export/s3-store.ts';
import { createLogger } from '../../src/logger.ts';
import { issueAccessToken } from '../../src/mcp/access-tokens.ts';
import { DOWNLOAD_OPERATION } from '../../src/mcp/export-downloads.ts';
import { startMcpHttpService, type McpHttpService } from '../../src/mcp/mcp-runtime.ts';
import { demoUsers, ok, type DemoUser } from '../support/mcp-fixtures.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { freePort } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { eventually } from '../support/eventually.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';
import { unfenced } from '../support/fences.ts';
import { closeAll } from '../support/close-all.ts';

const SECRET = 'two-machines-link-secret-0123456789abcdef';

interface Machines {
  /** The worker's environment: its own EXPORT_DIR, the store settings. */
  workerEnv: Record<string, string>;
  /** The MCP process's environment and store (the s3 store with the test server's credentials). */
  mcpEnv: Record<string, string>;
  mcpStore: ExportStore;
}

// The Procfile's `mcp` and `worker` on two machines: separate processes and separate EXPORT_DIRs. With s3 they share
// only the database and the bucket; with fs they must share the directory (a network volume), so the suite runs
// both and the MCP side never reads a worker-local path.
describe.each(['s3', 'fs'] as const)('exports across machines, %s driver', (driver) => {
  let db: TestDatabase;
  let s3: TestS3Server;
  let worker: WorkerProcess;
  let mcp: McpHttpService;
  let presignedMcp: McpHttpService | undefined;
  let client: Client;
  let alice: DemoUser;
  const dirs: string[] = [];

  async function machines(): Promise<Machines> {
    const workerDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-worker-machine-'));
    const mcpDir = driver === 's3' ? await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-mcp-machine-')) : workerDir;
    dirs.push(workerDir, mcpDir);
    if (driver === 'fs') return { workerEnv: { EXPORT_DIR: workerDir }, mcpEnv: { EXPORT_DIR: mcpDir }, mcpStore: createFsStore(mcpDir) };
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _key, ...storeEnv } = s3.env();
    return {
      workerEnv: { EXPORT_DIR: workerDir, ...s3.env() },
      mcpEnv: { EXPORT_DIR: mcpDir, ...storeEnv },
      mcpStore: createS3Store(s3.storeConfig()),
    };
  }

  async function startMcp(env: Record<string, string>, store: ExportStore): Promise<McpHttpService> {
    const config = db.config({ ...env, PORT: String(await freePort()), EXPORT_LINK_SECRET: SECRET });
    return startMcpHttpService(config, db.serviceUrl, createLogger('silent'), undefined, { exportStore: store });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    s3 = await startS3Server();
    const m = await machines();
    worker = await startWorkerProcess({ ...db.env, ...m.workerEnv }, { concurrency: 1 });
    mcp = await startMcp(m.mcpEnv, m.mcpStore);
    if (driver === 's3') presignedMcp = await startMcp({ ...m.mcpEnv, EXPORT_S3_DOWNLOADS: 'presigned' }, m.mcpStore);
    [alice] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser];
    const { token } = await issueAccessToken(db.owner, { userId: alice.id, name: 'laptop', admin: false, expiresAt: null });
    client = new Client({ name: 'two-machines', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  });
  afterAll(async () => {
    await closeAll(client, presignedMcp, mcp, worker, s3, db);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function archiveThread(exportFormat: string) {
    const thread = await db.owner.selectFrom('chat_thread').select(['id', 'title']).where('user_id', '=', alice.id).orderBy('created_at').executeTakeFirstOrThrow();
    const { jobId } = ok<{ jobId: string }>(await client.callTool({ name: 'archive_conversation', arguments: { threadId: thread.id, name: 'Two machines', exportFormat } }));
    const answer = await eventually(`job ${jobId}`, async () => {
      const result = await client.callTool({ name: 'get_job', arguments: { jobId } });
      return ok<{ done: boolean }>(result).done ? result : undefined;
    });
    const view = ok<{ state: string; result: Record<string, unknown> }>(answer);
    expect(view.state).toBe('completed');
    return { thread, jobId, answer, result: view.result as { archiveId: string; storageLocation: string; downloadUrl: string; downloadExpiresAt: string; fileSize: number } };
  }

  async function recordedSha256(archiveId: string): Promise<string> {
    const row = await db.owner.selectFrom('archive').select('mcp_metadata').where('id', '=', archiveId).executeTakeFirstOrThrow();
    return (row.mcp_metadata as { checksum: { value: string } }).checksum.value;
  }

  it('the link and the export resource serve the worker\'s export, byte for byte', async () => {
    const { thread, jobId, answer, result } = await archiveThread('markdown');
    expect(result.storageLocation).toBe(`${result.archiveId}/${thread.id}.${jobId}.md`);
    expect(result.downloadUrl.startsWith(mcp.url.replace(/\/mcp$/, '/exports/'))).toBe(true);
    const ttl = Date.parse(result.downloadExpiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect((answer.content as Array<{ type: string }>).find((c) => c.type === 'resource_link')).toEqual({
      type: 'resource_link',
      uri: `archive://${result.archiveId}/export`,
      name: `${thread.id}.${jobId}.md`,
      mimeType: 'text/markdown',
      size: result.fileSize,
    });

    const response = await fetch(result.downloadUrl);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(sha256).toBe(await recordedSha256(result.archiveId));
    expect(response.headers.get('etag')).toBe(`"${sha256}"`);
    expect(response.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="[A-Za-z0-9 ._-]+\.md"; filename\*=UTF-8''/);

    const ranged = await fetch(result.downloadUrl, { headers: { Range: 'bytes=10-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 10-99/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(bytes.subarray(10, 100));
    const tail = await fetch(result.downloadUrl, { headers: { Range: 'bytes=-5' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 5));
    expect((await fetch(result.downloadUrl, { headers: { Range: `bytes=${bytes.length}-` } })).status).toBe(416);

    const resource = await client.readResource({ uri: `archive://${result.archiveId}/export` });
    expect(resource.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    expect(unfenced((resource.contents[0] as { text: string }).text)).toBe(bytes.toString('utf8'));

    const archive = ok<{ exportLocation: string; downloadUrl: string }>(await client.callTool({ name: 'get_archive', arguments: { archiveId: result.archiveId } }));
    expect(archive.exportLocation).toBe(result.storageLocation);
    const again = await fetch(archive.downloadUrl);
    expect(createHash('sha256').update(Buffer.from(await again.arrayBuffer())).digest('hex')).toBe(sha256);
  });

  it('refuses tampered, expired and foreign links with 403 and an audit row, telling nothing of the archive', async () => {
    const { result } = await archiveThread('json');
    const base = mcp.url.replace(/\/mcp$/, '');
    const token = result.downloadUrl.split('/exports/')[1]!;
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { x: number };
    const extended = Buffer.from(JSON.stringify({ ...claims, x: claims.x + 86_400 })).toString('base64url');
    const location = (await db.owner.selectFrom('archive').select('storage_location').where('id', '=', result.archiveId).executeTakeFirstOrThrow()).storage_location!;
    const expired = createLinkSigner({ secret: SECRET, ttlMs: 1000, publicBaseUrl: base }).sign({ archiveId: result.archiveId, location }, new Date(Date.now() - 60_000));
    const foreign = createLinkSigner({ secret: 'another-servers-secret-0123456789abcdef', ttlMs: 3_600_000, publicBaseUrl: base }).sign({ archiveId: result.archiveId, location });

    const before = await auditRows();
    for (const url of [`${base}/exports/${payload}.${flipped}`, `${base}/exports/${extended}.${signature}`, expired.url, foreign.url, `${base}/exports/garbage`]) {
      const response = await fetch(url);
      expect(response.status, url).toBe(403);
      const text = await response.text();
      expect(text).toBe('This download link is not valid or has expired.\n');
      expect(text).not.toContain(result.archiveId);
    }
    const refused = (await auditRows()).slice(before.length);
    expect(refused.map((r) => [r.outcome, (r.detail as { reason: string }).reason])).toEqual([
      ['denied', 'bad_signature'],
      ['denied', 'bad_signature'],
      ['denied', 'expired'],
      ['denied', 'bad_signature'],
      ['denied', 'malformed'],
    ]);
  });

  it('checks the Host header as /mcp does', async () => {
    const { result } = await archiveThread('json');
    const url = new URL(result.downloadUrl);
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: url.hostname, port: url.port, path: url.pathname, headers: { Host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(403);
  });

  it.runIf(driver === 's3')('with EXPORT_S3_DOWNLOADS=presigned the link redirects to a short-lived URL of the bucket', async () => {
    const { result } = await archiveThread('pdf');
    const link = result.downloadUrl.replace(new URL(mcp.url).origin, new URL(presignedMcp!.url).origin);
    const redirect = await fetch(link, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const target = redirect.headers.get('location')!;
    expect(target.startsWith(`${s3.endpoint}/chat-archiver-test/chat-archiver/${result.archiveId}/`)).toBe(true);
    expect(target).toContain('X-Amz-Expires=300');
    const object = await fetch(target);
    expect(object.status).toBe(200);
    const bytes = Buffer.from(await object.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(await recordedSha256(result.archiveId));
  });

  async function auditRows() {
    return db.owner.selectFrom('mcp_archiver.audit_log').select(['outcome', 'detail']).where('operation', '=', DOWNLOAD_OPERATION).where('outcome', '!=', 'ok').orderBy('id').execute();
  }
});
