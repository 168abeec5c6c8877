import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { createLinkSigner } from '../../src/export/download-links.ts';
import { createFsStore } from '../../src/export/fs-store.ts';
import type { ExportStore } from '../../src/export/object-store.ts';
import { loadConfig } from '../../src/config.ts';
import { createExpensiveReadPool } from '../../src/limits/expensive-reads.ts';
import { createPool } from '../../src/db/connect.ts';
import { createBoss } from '../../src/jobs/boss.ts';
import { ensureQueues } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { createArchiverServer } from '../../src/mcp/archiver-server.ts';
import type { Caller } from '../../src/mcp/caller.ts';
import { openJobFinishWaiter } from '../../src/jobs/job-finish-waiter.ts';
import type { McpDependencies, ToolCallEvent } from '../../src/mcp/mcp-dependencies.ts';
import { upsertSearchDocument, type SearchLanguage } from '../../src/sql/search-documents.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { closeAll } from './close-all.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface TestMcp {
  deps: McpDependencies;
  boss: PgBoss;
  exportDir: string;
  events: ToolCallEvent[];
  close(): Promise<void>;
}

/** The MCP server's dependencies on a test database: the service role, a started pg-boss, a temp export dir. */
export const TEST_LINK_SECRET = 'test-link-secret-of-at-least-32-characters';

export async function openTestMcp(db: TestDatabase, options: { store?: ExportStore; publicBaseUrl?: string } = {}): Promise<TestMcp> {
  const boss = createBoss(db.serviceUrl, { instanceName: 'test-mcp' });
  await boss.start();
  await ensureQueues(boss);
  const jobFinishes = await openJobFinishWaiter(db.serviceUrl, createLogger('silent'));
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-archiver-mcp-exports-'));
  const events: ToolCallEvent[] = [];
  const pipelinedPool = createPool(db.serviceUrl, { max: 2, applicationName: 'chat-archiver:test-mcp', pipeline: true });
  const deps: McpDependencies = {
    db: db.service,
    pipelinedPool,
    boss,
    log: createLogger('silent'),
    jobFinishes,
    exportDir,
    store: options.store ?? createFsStore(exportDir),
    links: createLinkSigner({ secret: TEST_LINK_SECRET, ttlMs: 3_600_000, publicBaseUrl: options.publicBaseUrl ?? 'http://127.0.0.1:8787' }),
    downloads: 'proxy',
    searchTimeoutMs: 5000,
    limits: loadConfig({}).mcp.limits,
    expensiveReads: createExpensiveReadPool(loadConfig({}).mcp.limits.expensiveReadConcurrency, loadConfig({}).mcp.limits.expensiveReadWaitMs),
    observer: { onToolCall: (event) => events.push(event) },
  };
  return {
    deps,
    boss,
    exportDir,
    events,
    async close() {
      await jobFinishes.close();
      await boss.stop({ graceful: false });
      await pipelinedPool.end();
      fs.rmSync(exportDir, { recursive: true, force: true });
    },
  };
}

/** A real SDK client talking to a real server over the in-memory transport. */
export async function connectInMemory(deps: McpDependencies, caller: Caller): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const server = createArchiverServer(deps, caller, { name: 'test-archiver' });
  await server.connect(serverTransport);
  const client = new Client({ name: 'test-client', version: '0.0.0' });
  await client.connect(clientTransport);
  return client;
}

export interface DemoUser {
  id: string;
  role: string;
  threadIds: string[];
}

/** The template's demo users (the first is the app's admin), each with their thread ids. */
export async function demoUsers(db: TestDatabase): Promise<DemoUser[]> {
  const { rows } = await sql<{ id: string; role: string; threads: string[] }>`
    SELECT u.id, u.role, array_agg(t.id ORDER BY t.created_at, t.id) AS threads
    FROM "user" u JOIN chat_thread t ON t.user_id = u.id
    GROUP BY u.id, u.role, u.created_at ORDER BY u.created_at DESC, u.id`.execute(db.owner);
  return rows.map((r) => ({ id: r.id, role: r.role, threadIds: r.threads }));
}

/** The demo users split into the app's admin and the others (newest first). */
export async function adminAndUsers(db: TestDatabase): Promise<{ admin: DemoUser; others: DemoUser[] }> {
  const users = await demoUsers(db);
  return { admin: users.find((u) => u.role === 'admin')!, others: users.filter((u) => u.role !== 'admin') };
}

export interface McpSuite {
  db: TestDatabase;
  mcp: TestMcp;
  admin: DemoUser;
  /** The first two demo users who are not admins. */
  alice: DemoUser;
  bob: DemoUser;
  /** Closes the MCP dependencies, then drops the database. */
  close(): Promise<void>;
}

/** A fresh test database with the demo users, and the MCP server's dependencies on it (release both with close()). */
export async function openMcpSuite(options?: Parameters<typeof openTestMcp>[1]): Promise<McpSuite> {
  const db = await createTestDatabase();
  try {
    const mcp = await openTestMcp(db, options);
    const { admin, others } = await adminAndUsers(db);
    const [alice, bob] = others;
    if (!alice || !bob) throw new Error('the demo data has fewer than two users besides the admin');
    return { db, mcp, admin, alice, bob, close: () => closeAll(mcp, db) };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

export const caller = (userId: string, admin = false): Caller => ({ userId, admin, transport: 'memory' });

export interface ArchivedFixture {
  archiveId: string;
  itemId: string;
}

/** Writes an archive with one item and its search document, as the worker does (service role). */
export async function writeArchive(
  db: TestDatabase,
  input: {
    userId: string;
    threadId: string;
    name: string;
    description?: string;
    summary: string;
    body: string;
    language?: SearchLanguage;
    tokens?: number;
    exportFormat?: string;
    storageLocation?: string;
    createdAt?: Date;
  },
): Promise<ArchivedFixture> {
  const thread = await db.owner.selectFrom('chat_thread').select('title').where('id', '=', input.threadId).executeTakeFirstOrThrow();
  // Arranged as the owner: fixtures set columns (created_at, export fields on insert) the service role may not write.
  return db.owner.transaction().execute(async (trx) => {
    const archive = await trx
      .insertInto('archive')
      .values({
        name: input.name,
        description: input.description ?? null,
        user_id: input.userId,
        export_format: input.exportFormat ?? 'json',
        storage_location: input.storageLocation ?? null,
        mcp_metadata: JSON.stringify({ writer: 'test' }),
        ...(input.createdAt ? { created_at: input.createdAt, updated_at: input.createdAt } : {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const item = await trx
      .insertInto('archive_item')
      .values({
        archive_id: archive.id,
        item_id: input.threadId,
        user_id: input.userId,
        tokens_count: input.tokens ?? 100,
        content_summary: input.summary,
        mcp_analysis: JSON.stringify({ version: 1, messageCount: 12 }),
        metadata: JSON.stringify({ writer: 'chat-archiver' }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await upsertSearchDocument(trx, {
      archiveItemId: item.id,
      archiveId: archive.id,
      userId: input.userId,
      threadId: input.threadId,
      threadTitle: thread.title,
      archiveName: input.name,
      archiveDescription: input.description ?? null,
      summary: input.summary,
      body: input.body,
      language: input.language ?? 'english',
      tokensCount: input.tokens ?? 100,
    });
    return { archiveId: archive.id, itemId: item.id };
  });
}

interface ToolResultLike {
  isError?: boolean;
  content?: unknown;
  structuredContent?: unknown;
}

/** The structured result of a successful call; fails the test with the error text otherwise. */
export function ok<T = Record<string, unknown>>(value: unknown): T {
  const result = value as ToolResultLike;
  if (result.isError) throw new Error(`expected success, got error: ${errorText(result)}`);
  return result.structuredContent as T;
}

/** The message of an isError result; fails the test on success. */
export function errorText(value: unknown): string {
  const result = value as ToolResultLike;
  const content = result.content as Array<{ type: string; text?: string }> | undefined;
  const text = content?.map((c) => c.text ?? '').join('\n') ?? '';
  if (!result.isError) throw new Error(`expected an error, got success: ${text}`);
  return text;
}

export interface RowCounts {
  jobs: number;
  archives: number;
  items: number;
  documents: number;
}

export async function countRows(db: TestDatabase): Promise<RowCounts> {
  const { rows } = await sql<RowCounts>`
    SELECT (SELECT count(*)::int FROM pgboss.job) AS jobs,
           (SELECT count(*)::int FROM archive) AS archives,
           (SELECT count(*)::int FROM archive_item) AS items,
           (SELECT count(*)::int FROM mcp_archiver.search_document) AS documents`.execute(db.owner);
  return rows[0]!;
}

/** A test MCP server with a real worker writing where its store reads, and the first demo user who is not the admin. */
export async function openMcpWithWorker(db: TestDatabase, instanceName: string): Promise<{ mcp: TestMcp; worker: WorkerHandle; user: DemoUser }> {
  const mcp = await openTestMcp(db);
  const worker = await startWorker({ config: db.config({ EXPORT_DIR: mcp.exportDir }), serviceUrl: db.serviceUrl, log: createLogger('silent'), concurrency: 2, instanceName });
  const [user] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser];
  return { mcp, worker, user };
}
