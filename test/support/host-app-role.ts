import { sql, type Kysely } from 'kysely';
import { createDb } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/database.ts';
import type { TestDatabase } from './test-database.ts';

/**
 * Connects as a stand-in for the host app's own role: not the owner, no BYPASSRLS, full rights on the app's
 * tables — what row-level security must leave unchanged.
 */
export async function connectAsHostApp(db: TestDatabase, role: string): Promise<Kysely<Database>> {
  const password = 'host-app-password';
  await sql.raw(`DO $$ BEGIN CREATE ROLE ${role} LOGIN PASSWORD '${password}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`).execute(db.owner);
  await sql.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`).execute(db.owner);
  const url = new URL(db.ownerUrl);
  url.username = role;
  url.password = password;
  return createDb(url.toString(), { max: 2 });
}
