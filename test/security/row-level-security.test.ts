import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { actingAs } from '../../src/db/acting-user.ts';
import { createDb } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/database.ts';
import { USER_SCOPED_TABLES } from '../../src/db/row-level-security.ts';
import { demoUsers, writeArchive, type DemoUser } from '../support/mcp-fixtures.ts';
import { connectAsHostApp } from '../support/host-app-role.ts';
import { useSuite } from '../support/suite.ts';
import { createTestDatabase } from '../support/test-database.ts';

const HOST_APP_ROLE = 'ca_test_host_app_rls';
/**
 * The service's own tables with a user column that are deliberately not under row-level security:
 * - access_token: looked up by the hash of the presented token before any user is known (as `system`); the
 *   service role may only read it and touch last_used_at.
 * - audit_log: the service role may only append to it (no SELECT, UPDATE or DELETE), so there is nothing to read.
 */
const EXEMPT = ['mcp_archiver.access_token', 'mcp_archiver.audit_log'];

describe('row-level security coverage: every per-user table of the service, the archive items and search documents', () => {
  const suite = useSuite(async (release) => {
    const db = release(await createTestDatabase());
    const hostApp = release(await connectAsHostApp(db, HOST_APP_ROLE));
    const [alice, bob] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser, DemoUser];
    const aliceArchive = await writeArchive(db, { userId: alice.id, threadId: alice.threadIds[0]!, name: 'Alice', summary: 'Hers.', body: 'Alice archived text.' });
    const bobArchive = await writeArchive(db, { userId: bob.id, threadId: bob.threadIds[0]!, name: 'Bob', summary: 'His.', body: 'Bob archived text.' });
    return { db, hostApp, alice, bob, aliceArchive, bobArchive };
  });

  it('covers every table of the service with a user column, except the documented exemptions', async () => {
    const { rows } = await sql<{ table: string; rls: boolean }>`
      SELECT format('%s.%s', n.nspname, c.relname) AS table, c.relrowsecurity AS rls
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (n.nspname = 'mcp_archiver' OR (n.nspname = 'public' AND c.relname IN ('archive', 'archive_item')))
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
      ORDER BY 1`.execute(suite.db.owner);
    const scoped = USER_SCOPED_TABLES.map((t) => t.table).sort();
    expect(rows.map((r) => r.table).filter((t) => !EXEMPT.includes(t))).toEqual(scoped);
    for (const row of rows) expect(row.rls, row.table).toBe(!EXEMPT.includes(row.table));
    const { rows: policies } = await sql<{ table: string; policy: string; permissive: string; roles: string[] }>`
      SELECT format('%s.%s', schemaname, tablename) AS table, policyname AS policy, permissive, roles::text[] AS roles
      FROM pg_policies ORDER BY 1, 2`.execute(suite.db.owner);
    const serviceRole = new URL(suite.db.serviceUrl).username;
    for (const table of scoped) {
      expect(policies.filter((p) => p.table === table).map((p) => [p.policy, p.permissive, p.roles])).toEqual([
        ['everyone_unchanged', 'PERMISSIVE', ['public']],
        ['service_acts_for_one_user', 'RESTRICTIVE', [serviceRole]],
      ]);
    }
  });

  it('search documents: the service sees, changes and writes only the acting user\'s', async () => {
    const documents = (executor: Kysely<Database>) =>
      sql<{ archive_item_id: string }>`SELECT archive_item_id FROM mcp_archiver.search_document ORDER BY 1`.execute(executor).then((r) => r.rows);
    expect(await actingAs(suite.db.service, { userId: suite.alice.id }, documents)).toEqual([{ archive_item_id: suite.aliceArchive.itemId }]);
    const changed = await actingAs(suite.db.service, { userId: suite.alice.id }, (trx) =>
      sql`UPDATE mcp_archiver.search_document SET archive_name = 'hijacked' WHERE archive_item_id = ${suite.bobArchive.itemId}`.execute(trx),
    );
    expect(changed.numAffectedRows).toBe(0n);
    await expect(
      actingAs(suite.db.service, { userId: suite.alice.id }, (trx) =>
        sql`UPDATE mcp_archiver.search_document SET user_id = ${suite.bob.id} WHERE archive_item_id = ${suite.aliceArchive.itemId}`.execute(trx),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await documents(suite.db.service)).toEqual([]);
    expect((await actingAs(suite.db.service, { system: true }, documents)).length).toBe(2);
  });

  it('the search match functions (SECURITY DEFINER, past the policies) return only the acting user\'s rows', async () => {
    const query = sql`to_tsquery('simple', 'archived')`;
    const documents = (executor: Kysely<Database>, userId: string) =>
      sql<{ archive_item_id: string }>`SELECT archive_item_id FROM mcp_archiver.matching_search_documents(${userId}::uuid, ${query}, NULL)`
        .execute(executor).then((r) => r.rows.map((row) => row.archive_item_id));
    expect(await actingAs(suite.db.service, { userId: suite.alice.id }, (trx) => documents(trx, suite.alice.id))).toEqual([suite.aliceArchive.itemId]);
    expect(await actingAs(suite.db.service, { userId: suite.alice.id }, (trx) => documents(trx, suite.bob.id))).toEqual([]);
    expect(await documents(suite.db.service, suite.bob.id)).toEqual([]);
    expect(await actingAs(suite.db.service, { system: true }, (trx) => documents(trx, suite.bob.id))).toEqual([suite.bobArchive.itemId]);

    await sql`
      INSERT INTO mcp_archiver.message_index_thread (thread_id, user_id, title, title_key) VALUES (${suite.bob.threadIds[0]!}, ${suite.bob.id}, 'Bob', 'bob')`.execute(suite.db.owner);
    await sql`
      INSERT INTO mcp_archiver.message_index (message_id, thread_id, user_id, role, created_at, language, parts_hash, document)
      VALUES ('rls-bob-message', ${suite.bob.threadIds[0]!}, ${suite.bob.id}, 'user', now(), 'simple', '\\x00', to_tsvector('simple', 'archived words'))`.execute(suite.db.owner);
    const threads = (executor: Kysely<Database>, userId: string) =>
      sql<{ thread_id: string }>`SELECT thread_id FROM mcp_archiver.matching_message_threads(${userId}::uuid, ${query}, NULL, NULL, NULL, NULL, NULL)`
        .execute(executor).then((r) => r.rows.map((row) => row.thread_id));
    expect(await actingAs(suite.db.service, { userId: suite.bob.id }, (trx) => threads(trx, suite.bob.id))).toEqual([suite.bob.threadIds[0]]);
    expect(await actingAs(suite.db.service, { userId: suite.alice.id }, (trx) => threads(trx, suite.bob.id))).toEqual([]);
    expect(await threads(suite.db.service, suite.bob.id)).toEqual([]);
    const titles = (executor: Kysely<Database>, userId: string) =>
      sql<{ thread_id: string }>`SELECT thread_id FROM mcp_archiver.similar_thread_titles(${userId}::uuid, 'bob', NULL, NULL)`
        .execute(executor).then((r) => r.rows.map((row) => row.thread_id));
    expect(await actingAs(suite.db.service, { userId: suite.bob.id }, (trx) => titles(trx, suite.bob.id))).toEqual([suite.bob.threadIds[0]]);
    expect(await actingAs(suite.db.service, { userId: suite.alice.id }, (trx) => titles(trx, suite.bob.id))).toEqual([]);
    expect(await actingAs(suite.db.service, { userId: suite.alice.id }, (trx) => titles(trx, suite.alice.id))).toEqual([]);
    expect(await titles(suite.db.service, suite.bob.id)).toEqual([]);
    expect(await actingAs(suite.db.service, { system: true }, (trx) => titles(trx, suite.bob.id))).toEqual([suite.bob.threadIds[0]]);
    await expect(sql`SELECT * FROM mcp_archiver.matching_search_documents(${suite.bob.id}::uuid, ${query}, NULL)`.execute(suite.hostApp)).rejects.toThrow(/permission denied/);
    await expect(sql`SELECT * FROM mcp_archiver.similar_thread_titles(${suite.bob.id}::uuid, 'bob', NULL, NULL)`.execute(suite.hostApp)).rejects.toThrow(/permission denied/);
    await sql`DELETE FROM mcp_archiver.message_index WHERE message_id = 'rls-bob-message'`.execute(suite.db.owner);
    await sql`DELETE FROM mcp_archiver.message_index_thread WHERE thread_id = ${suite.bob.threadIds[0]!}`.execute(suite.db.owner);
  });

  it('archive items: the service writes only the acting user\'s; the host app\'s own role is unchanged', async () => {
    await expect(
      actingAs(suite.db.service, { userId: suite.alice.id }, (trx) =>
        trx.insertInto('archive_item').values({ archive_id: suite.bobArchive.archiveId, item_id: suite.alice.threadIds[1]!, user_id: suite.bob.id }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    const asAlice = await actingAs(suite.db.service, { userId: suite.alice.id }, (trx) => trx.selectFrom('archive_item').select('id').execute());
    expect(asAlice.map((r) => r.id)).toEqual([suite.aliceArchive.itemId]);

    const all = await suite.hostApp.selectFrom('archive_item').select('id').execute();
    expect(all.map((r) => r.id).sort()).toEqual([suite.aliceArchive.itemId, suite.bobArchive.itemId].sort());
    await suite.hostApp.updateTable('archive_item').set({ content_summary: 'edited by the app' }).where('id', '=', suite.bobArchive.itemId).execute();
    const added = await suite.hostApp.insertInto('archive_item').values({ archive_id: suite.bobArchive.archiveId, item_id: suite.bob.threadIds[1]!, user_id: suite.bob.id }).returning('id').executeTakeFirstOrThrow();
    await suite.hostApp.deleteFrom('archive_item').where('id', '=', added.id).execute();
    expect(await suite.hostApp.selectFrom('archive_item').select('content_summary').where('id', '=', suite.bobArchive.itemId).executeTakeFirst()).toEqual({ content_summary: 'edited by the app' });
  });

  it('a setting left by one transaction does not leak into the next on the same connection', async () => {
    const single = createDb(suite.db.serviceUrl, { max: 1 });
    try {
      await actingAs(single, { userId: suite.alice.id }, (trx) => trx.selectFrom('archive').select('id').execute());
      expect(await single.selectFrom('archive').select('id').execute()).toEqual([]);
      expect(await single.selectFrom('archive_item').select('id').execute()).toEqual([]);
    } finally {
      await single.destroy();
    }
  });

  it('the acting user cannot be changed from inside the data: it is a transaction-local setting the service sets', async () => {
    const seen = await actingAs(suite.db.service, { userId: `${suite.alice.id}' OR true --` }, (trx) => trx.selectFrom('archive').select('id').execute()).catch(() => 'refused');
    expect(seen === 'refused' || (Array.isArray(seen) && seen.length === 0)).toBe(true);
  });
});
