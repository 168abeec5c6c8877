import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { adminQuery } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient, waitForSettled } from '../support/worker-harness.ts';

// The statements better-chatbot's archive and chat repositories send (drizzle-orm over node-postgres), written out
// with the column lists drizzle generates from the app's schema: the app knows nothing of the service's columns.
const ARCHIVE_COLUMNS = '"id", "name", "description", "user_id", "created_at", "updated_at"';
const ITEM_COLUMNS = '"id", "archive_id", "item_id", "user_id", "added_at"';
const APP = {
  createArchive: `insert into "archive" (${ARCHIVE_COLUMNS}) values ($1, $2, $3, $4, $5, $6) returning ${ARCHIVE_COLUMNS}`,
  archivesOfUser: `select "archive"."id", "archive"."name", "archive"."description", "archive"."user_id", "archive"."created_at", "archive"."updated_at", count("archive_item"."id") as "itemCount"
    from "archive" left join "archive_item" on "archive"."id" = "archive_item"."archive_id"
    where "archive"."user_id" = $1 group by "archive"."id" order by "archive"."updated_at"`,
  archiveById: `select ${ARCHIVE_COLUMNS} from "archive" where "archive"."id" = $1`,
  renameArchive: `update "archive" set "name" = $1, "description" = $2, "updated_at" = $3 where "archive"."id" = $4 returning ${ARCHIVE_COLUMNS}`,
  deleteItemsOfArchive: `delete from "archive_item" where "archive_item"."archive_id" = $1`,
  deleteArchive: `delete from "archive" where "archive"."id" = $1`,
  addItem: `insert into "archive_item" (${ITEM_COLUMNS}) values ($1, $2, $3, $4, $5) on conflict do nothing returning ${ITEM_COLUMNS}`,
  removeItem: `delete from "archive_item" where ("archive_item"."archive_id" = $1 and "archive_item"."item_id" = $2)`,
  itemsOfArchive: `select ${ITEM_COLUMNS} from "archive_item" where "archive_item"."archive_id" = $1 order by "archive_item"."added_at"`,
  archivesOfItem: `select "archive"."id", "archive"."name" from "archive" inner join "archive_item" on "archive"."id" = "archive_item"."archive_id"
    where ("archive_item"."item_id" = $1 and "archive"."user_id" = $2) order by "archive"."name"`,
  deleteMessagesOfThread: `delete from "chat_message" where "chat_message"."thread_id" = $1`,
  deleteItemsOfThread: `delete from "archive_item" where "archive_item"."item_id" = $1`,
  deleteThread: `delete from "chat_thread" where "chat_thread"."id" = $1`,
  unarchivedThreads: `select "chat_thread"."id" from "chat_thread" left join "archive_item" on "chat_thread"."id" = "archive_item"."item_id"
    where ("chat_thread"."user_id" = $1 and "archive_item"."id" IS NULL)`,
};

describe("better-chatbot's own archive operations, as a non-owner role, on archives the service wrote", () => {
  let db: TestDatabase;
  let boss: PgBoss;
  let worker: WorkerHandle;
  let exportDir: string;
  let app: pg.Client;
  const role = `ca_app_${randomBytes(4).toString('hex')}`;
  let user: string;
  let threads: string[];
  /** The service's archive of threads[0] (one item, with its search document). */
  let serviceArchive: string;
  let serviceItem: string;

  const now = () => new Date().toISOString();
  const owner = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => adminQuery<T>(db.ownerUrl, text, values);

  async function archiveByService(threadId: string, name: string): Promise<string> {
    const { jobId } = await enqueue(boss, archiveConversationJob, { threadId, name, exportFormat: 'json', requestedBy: user });
    const job = await waitForSettled(boss, archiveConversationJob.queue, jobId, 120_000);
    expect(job.state).toBe('completed');
    return (job.output as { archiveId: string }).archiveId;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    boss = await startBossClient(db.serviceUrl);
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-host-ops-'));
    worker = await startWorker({ config: db.config({ EXPORT_DIR: exportDir }), serviceUrl: db.serviceUrl, log: createLogger('silent'), concurrency: 2, tuning: { pollingIntervalSeconds: 0.5 } });

    // The app's database user: not the owner, no BYPASSRLS, the rights the app uses on its own tables, and nothing
    // in the service's schema.
    const password = 'app-role-password-0123';
    await owner(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await owner(`GRANT SELECT, INSERT, UPDATE, DELETE ON archive, archive_item, chat_thread, chat_message TO ${role}`);
    const url = new URL(db.ownerUrl);
    url.username = role;
    url.password = password;
    app = new pg.Client({ connectionString: url.toString() });
    await app.connect();

    user = (await owner<{ id: string }>(`INSERT INTO "user" (name, email) VALUES ('App Ops', $1) RETURNING id`, [`${randomUUID()}@example.com`]))[0]!.id;
    threads = [];
    for (let i = 0; i < 4; i++) {
      const thread = (await owner<{ id: string }>(`INSERT INTO chat_thread (title, user_id) VALUES ($1, $2) RETURNING id`, [`App thread ${i}`, user]))[0]!.id;
      await owner(`INSERT INTO chat_message (id, thread_id, role, parts) VALUES ($1, $2, 'user', ARRAY[$3]::json[])`, [randomUUID(), thread, JSON.stringify({ type: 'text', text: `question ${i} about invoices` })]);
      threads.push(thread);
    }
    serviceArchive = await archiveByService(threads[0]!, 'Service archive');
    serviceItem = (await owner<{ id: string }>(`SELECT id FROM archive_item WHERE archive_id = $1`, [serviceArchive]))[0]!.id;
  });
  afterAll(async () => {
    await app?.end();
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await db?.drop();
    await adminQuery(inject('testCluster').adminUrl, `DROP ROLE IF EXISTS ${role}`);
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  it('has no rights in the service\'s schema (the checks below run without any)', async () => {
    await expect(app.query('SELECT 1 FROM mcp_archiver.search_document LIMIT 1')).rejects.toThrow(/permission denied/);
    const docs = await owner<{ n: number }>(`SELECT count(*)::int AS n FROM mcp_archiver.search_document WHERE archive_item_id = $1`, [serviceItem]);
    expect(docs[0]!.n).toBe(1);
  });

  it('lists, creates, renames and fills archives next to the service\'s', async () => {
    const listed = (await app.query<{ id: string; itemCount: string }>(APP.archivesOfUser, [user])).rows;
    expect(listed.map((a) => [a.id, Number(a.itemCount)])).toEqual([[serviceArchive, 1]]);

    const created = (await app.query(APP.createArchive, [randomUUID(), 'Reading list', null, user, now(), now()])).rows[0];
    expect(created).toMatchObject({ name: 'Reading list', user_id: user });
    // The app adds its own thread, and the thread the service archived, to its archive and to the service's.
    for (const [archiveId, threadId] of [[created.id, threads[1]], [created.id, threads[0]], [serviceArchive, threads[1]]] as const) {
      const added = (await app.query(APP.addItem, [randomUUID(), archiveId, threadId, user, now()])).rows;
      expect(added).toHaveLength(1);
    }
    expect((await app.query(APP.itemsOfArchive, [serviceArchive])).rows.map((r) => r.item_id).sort()).toEqual([threads[0], threads[1]].sort());
    expect((await app.query(APP.archivesOfItem, [threads[0], user])).rows.map((r) => r.name)).toEqual(['Reading list', 'Service archive']);

    const renamed = (await app.query(APP.renameArchive, ['Renamed by the app', 'now with a description', now(), serviceArchive])).rows[0];
    expect(renamed).toMatchObject({ id: serviceArchive, name: 'Renamed by the app', description: 'now with a description' });
    expect((await app.query(APP.archiveById, [serviceArchive])).rows[0]).toMatchObject({ name: 'Renamed by the app' });
    // The service's own columns on the row are left as they were.
    const [row] = await owner<{ export_format: string | null; storage_location: string | null }>(`SELECT export_format, storage_location FROM archive WHERE id = $1`, [serviceArchive]);
    expect(row!.export_format).toBe('json');
    expect(row!.storage_location).not.toBeNull();
  });

  it('removes the service\'s item from an archive: its search document goes with it', async () => {
    await app.query(APP.removeItem, [serviceArchive, threads[0]]);
    expect((await app.query(APP.itemsOfArchive, [serviceArchive])).rows.map((r) => r.item_id)).toEqual([threads[1]]);
    expect(await owner(`SELECT 1 FROM mcp_archiver.search_document WHERE archive_item_id = $1`, [serviceItem])).toEqual([]);
  });

  it('deletes an archive the service wrote, items first as the app does', async () => {
    const archiveId = await archiveByService(threads[2]!, 'Second service archive');
    expect(await owner(`SELECT 1 FROM mcp_archiver.search_document WHERE archive_id = $1`, [archiveId])).toHaveLength(1);
    await app.query(APP.deleteItemsOfArchive, [archiveId]);
    await app.query(APP.deleteArchive, [archiveId]);
    expect((await app.query(APP.archiveById, [archiveId])).rows).toEqual([]);
    expect(await owner(`SELECT 1 FROM mcp_archiver.search_document WHERE archive_id = $1`, [archiveId])).toEqual([]);
  });

  it('deletes a thread the service archived, and "delete unarchived chats" spares the archived ones', async () => {
    const archiveId = await archiveByService(threads[3]!, 'Third service archive');
    const unarchived = (await app.query<{ id: string }>(APP.unarchivedThreads, [user])).rows.map((r) => r.id).sort();
    expect(unarchived).toEqual([threads[2]!]);
    for (const threadId of [...unarchived, threads[3]!]) {
      await app.query(APP.deleteMessagesOfThread, [threadId]);
      await app.query(APP.deleteItemsOfThread, [threadId]);
      await app.query(APP.deleteThread, [threadId]);
    }
    expect(await owner(`SELECT id FROM chat_thread WHERE user_id = $1 ORDER BY id`, [user])).toEqual([threads[0], threads[1]].sort().map((id) => ({ id })));
    expect(await owner(`SELECT 1 FROM archive_item WHERE archive_id = $1`, [archiveId])).toEqual([]);
    expect(await owner(`SELECT 1 FROM mcp_archiver.search_document WHERE archive_id = $1`, [archiveId])).toEqual([]);
  });
});
