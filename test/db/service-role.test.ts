import { sql } from 'kysely';
import { actingAs } from '../../src/db/acting-user.ts';
import { describe, expect, inject, it } from 'vitest';
import { ROLE_TABLE_PRIVILEGES } from '../../src/db/role-privileges.ts';

const HOST_READ_COLUMNS = Object.fromEntries(
  ['agent', 'workflow', 'workflow_node', 'workflow_edge', 'mcp_server'].map((table) => [table, Object.keys(ROLE_TABLE_PRIVILEGES[`public.${table}`] ?? {})]),
);
import { useTestDatabase } from '../support/test-database.ts';

describe('the restricted service role', () => {
  const db = useTestDatabase();

  it('reads chat threads and messages', async () => {
    const threads = await db.service.selectFrom('chat_thread').select(['id', 'user_id']).limit(5).execute();
    expect(threads.length).toBe(5);
    const messages = await db.service.selectFrom('chat_message').select(['id', 'parts']).where('thread_id', '=', threads[0]!.id).execute();
    expect(messages.length).toBeGreaterThan(0);
  });

  it('writes archives and archive items', async () => {
    const thread = await db.service.selectFrom('chat_thread').select(['id', 'user_id']).executeTakeFirstOrThrow();
    const archiveId = await actingAs(db.service, { userId: thread.user_id }, async (trx) => {
      const archive = await trx
        .insertInto('archive')
        .values({ name: 'Role test', user_id: thread.user_id })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('archive_item').values({ archive_id: archive.id, item_id: thread.id, user_id: thread.user_id, tokens_count: 3 }).execute();
      await trx.updateTable('archive').set({ export_format: 'json', mcp_metadata: JSON.stringify({ by: 'test' }) }).where('id', '=', archive.id).execute();
      return archive.id;
    });
    const item = await db.owner.selectFrom('archive_item').select(['item_type', 'tokens_count']).where('archive_id', '=', archiveId).executeTakeFirstOrThrow();
    expect(item).toEqual({ item_type: 'thread', tokens_count: 3 });
  });

  it.each(['user', 'session', 'account', 'verification'])('gets permission denied on "%s"', async (table) => {
    await expect(sql`SELECT * FROM ${sql.table(table)} LIMIT 1`.execute(db.service)).rejects.toThrow(/permission denied for table/);
  });

  it.each(['archive', 'archive_item', 'chat_thread', 'chat_message'])('cannot DELETE from %s', async (table) => {
    await expect(sql`DELETE FROM ${sql.table(table)}`.execute(db.service)).rejects.toThrow(/permission denied for table/);
  });

  it('reads exactly the granted columns of agent, workflow, its nodes and edges, and only id, user_id, name of mcp_server', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.column_privileges
      WHERE grantee = ${inject('testCluster').serviceUser} AND privilege_type = 'SELECT' AND table_schema = 'public'
        AND table_name = ANY(${Object.keys(HOST_READ_COLUMNS)}::text[])`.execute(db.owner);
    const granted: Record<string, string[]> = {};
    for (const r of rows) (granted[r.table_name] ??= []).push(r.column_name);
    for (const [table, columns] of Object.entries(HOST_READ_COLUMNS)) expect(granted[table]?.sort(), table).toEqual([...columns].sort());
    expect(HOST_READ_COLUMNS.mcp_server).toEqual(['id', 'user_id', 'name']);
    await expect(sql`SELECT config FROM mcp_server`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`SELECT * FROM mcp_server`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`SELECT name FROM mcp_server LIMIT 1`.execute(db.service)).resolves.toBeDefined();
    await expect(sql`SELECT node_config FROM workflow_node LIMIT 1`.execute(db.service)).resolves.toBeDefined();
    await expect(sql`UPDATE agent SET name = 'x'`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM workflow`.execute(db.service)).rejects.toThrow(/permission denied/);
  });

  it('cannot change chat data or create tables', async () => {
    await expect(sql`UPDATE chat_thread SET title = 'x'`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`INSERT INTO chat_message (id, thread_id, role) VALUES ('x', gen_random_uuid(), 'user')`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`CREATE TABLE public.intruder (id int)`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`TRUNCATE archive`.execute(db.service)).rejects.toThrow(/permission denied/);
  });

  it('has no elevated attributes', async () => {
    const { rows } = await sql<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolbypassrls: boolean }>`
      SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user`.execute(db.service);
    expect(rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false });
  });

  it('can use pg-boss\'s schema', async () => {
    const { rows } = await sql<{ ok: boolean }>`SELECT has_schema_privilege(current_user, 'pgboss', 'USAGE') AS ok`.execute(db.service);
    expect(rows[0]?.ok).toBe(true);
  });
});
