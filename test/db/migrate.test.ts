import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/connect.ts';
import { MigrationError, migrateToLatest, migrationStatus } from '../../src/db/migrate.ts';
import { ensureHostSchema } from '../../src/demo/seed-demo.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('migrations on a host-shaped database', () => {
  let bare: TestDatabase;
  let db: Kysely<unknown>;

  beforeAll(async () => {
    bare = await createTestDatabase({ empty: true });
    db = createDb(bare.ownerUrl, { max: 2 }) as Kysely<unknown>;
  });
  afterAll(async () => {
    await db.destroy();
    await bare.drop();
  });

  it('refuses a database without the better-chatbot tables, naming them and writing nothing', async () => {
    const error = await migrateToLatest(db).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/better-chatbot tables are missing .*"chat_thread"/);
    expect((error as Error).message).toContain('demo seed');
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'mcp_archiver'`.execute(db);
    expect(rows[0]?.n).toBe(0);
  });

  it('applies every migration once, then is a no-op', async () => {
    await ensureHostSchema(db);
    // An app-written duplicate (the app does not prevent them) must survive the migration.
    await sql`INSERT INTO "user" (id, name, email) VALUES ('00000000-0000-4000-8000-000000000001', 'A', 'a@example.com')`.execute(db);
    await sql`INSERT INTO archive (id, name, user_id) VALUES ('00000000-0000-4000-8000-0000000000a1', 'Old', '00000000-0000-4000-8000-000000000001')`.execute(db);
    for (let i = 0; i < 2; i++) {
      await sql`INSERT INTO archive_item (archive_id, item_id, user_id)
                VALUES ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-000000000001')`.execute(db);
    }

    const first = await migrateToLatest(db);
    expect(first.results?.length).toBeGreaterThan(0);
    expect(first.results?.every((r) => r.status === 'Success')).toBe(true);
    const second = await migrateToLatest(db);
    expect(second.results).toEqual([]);

    const status = await migrationStatus(db);
    expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
    expect(status[0]?.name).toBe('0001_host_archive_columns');

    const { rows: items } = await sql<{ item_type: string }>`SELECT item_type FROM archive_item`.execute(db);
    expect(items.map((r) => r.item_type)).toEqual(['thread', 'thread']);
  });

  it('adds exactly the MCP columns, nullable or defaulted', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>`
      SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN ('archive', 'archive_item')
      ORDER BY table_name, ordinal_position`.execute(db);
    const columns = Object.fromEntries(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
    expect(columns['archive.mcp_metadata']?.data_type).toBe('json');
    expect(columns['archive.mcp_server_id']?.data_type).toBe('uuid');
    expect(columns['archive.export_format']?.data_type).toBe('character varying');
    expect(columns['archive.storage_location']?.data_type).toBe('text');
    expect(columns['archive.file_size']?.data_type).toBe('bigint');
    expect(columns['archive_item.mcp_analysis']?.data_type).toBe('json');
    expect(columns['archive_item.tokens_count']?.data_type).toBe('integer');
    expect(columns['archive_item.content_summary']?.data_type).toBe('text');
    expect(columns['archive_item.item_type']?.column_default).toContain("'thread'");
    expect(columns['archive_item.metadata']?.data_type).toBe('json');
    for (const name of ['archive.mcp_metadata', 'archive.mcp_server_id', 'archive.export_format', 'archive.storage_location', 'archive.file_size', 'archive_item.mcp_analysis', 'archive_item.tokens_count', 'archive_item.content_summary', 'archive_item.metadata']) {
      expect(columns[name]?.is_nullable, name).toBe('YES');
    }
  });

  it('creates the indexes the service reads need, and the FK does not block the app deleting an mcp_server', async () => {
    const { rows } = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`.execute(db);
    const names = rows.map((r) => r.indexname);
    for (const index of ['archive_mcp_server_id_idx', 'archive_export_format_idx', 'archive_user_id_idx', 'chat_thread_user_id_idx', 'chat_message_thread_id_created_at_idx', 'archive_item_service_unique']) {
      expect(names).toContain(index);
    }
    await sql`INSERT INTO mcp_server (id, name, config, user_id) VALUES ('00000000-0000-4000-8000-0000000000c1', 'database-assistant', '{}', '00000000-0000-4000-8000-000000000001')`.execute(db);
    await sql`UPDATE archive SET mcp_server_id = '00000000-0000-4000-8000-0000000000c1'`.execute(db);
    await sql`DELETE FROM mcp_server WHERE id = '00000000-0000-4000-8000-0000000000c1'`.execute(db);
    const { rows: archives } = await sql<{ mcp_server_id: string | null }>`SELECT mcp_server_id FROM archive`.execute(db);
    expect(archives[0]?.mcp_server_id).toBeNull();
  });

  it('keeps its ledger in its own schema, never in the app\'s drizzle ledger', async () => {
    const { rows } = await sql<{ schemaname: string; tablename: string }>`
      SELECT schemaname, tablename FROM pg_tables WHERE tablename LIKE '%migration%' ORDER BY 1, 2`.execute(db);
    expect(rows).toEqual([
      { schemaname: 'mcp_archiver', tablename: 'migration' },
      { schemaname: 'mcp_archiver', tablename: 'migration_lock' },
    ]);
  });
});
