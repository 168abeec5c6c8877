import { sql, type Kysely } from 'kysely';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { SERVICE_SCHEMA } from './migrate.ts';

export const PGBOSS_SCHEMA = 'pgboss';

/** A table privilege, or a column-level one such as `UPDATE (last_used_at)`. */
type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | `${'SELECT' | 'UPDATE'} (${string})`;

/** Host tables the service reads whole (chat data) — nothing else of the app's. */
const HOST_READ_TABLES = ['chat_thread', 'chat_message'];

/**
 * Host tables the service reads only some columns of, each list exactly what its snapshots and checks read.
 * `mcp_server.config` is never granted: it holds users' credentials for their MCP servers (headers, env).
 */
export const HOST_READ_COLUMNS: Record<string, readonly string[]> = {
  // archive_agent: the whole row is the snapshot (name, description, icon, instructions, visibility, timestamps).
  agent: ['id', 'name', 'description', 'icon', 'user_id', 'instructions', 'visibility', 'created_at', 'updated_at'],
  // archive_workflow: the row; agent mentions resolve workflow names.
  workflow: ['id', 'version', 'name', 'icon', 'description', 'is_published', 'visibility', 'user_id', 'created_at', 'updated_at'],
  // archive_workflow: every node is part of the re-importable structure (node_config is redacted before it is written).
  workflow_node: ['id', 'version', 'workflow_id', 'kind', 'name', 'description', 'ui_config', 'node_config', 'created_at', 'updated_at'],
  workflow_edge: ['id', 'version', 'workflow_id', 'source', 'target', 'ui_config', 'created_at'],
  // The archive's own MCP server row (by name) and the names agent mentions and tool nodes point to.
  mcp_server: ['id', 'user_id', 'name'],
};
/** Host tables the service writes: never DELETE. */
const HOST_WRITE_TABLES = ['archive', 'archive_item'];
/** Tables holding credentials and sessions: explicitly nothing, whatever PUBLIC may have been given. */
const HOST_FORBIDDEN_TABLES = ['user', 'session', 'account', 'verification'];

/**
 * The service role's privileges on the service's own tables, by table. Only tables that exist are granted,
 * so this list may name tables of migrations not yet applied.
 */
export const SERVICE_TABLE_PRIVILEGES: Record<string, Privilege[]> = {
  // The worker replaces an item's document when it re-archives it; items are never deleted by the service.
  search_document: ['SELECT', 'INSERT', 'UPDATE'],
  // The conversation index is the worker's own copy: it removes what the app deleted, and `search-index rebuild`
  // empties it (TRUNCATE: a million rows in milliseconds, not a long DELETE).
  message_index_thread: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'],
  message_index: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'],
  message_index_word: ['SELECT', 'INSERT', 'DELETE', 'TRUNCATE'],
  // The pass's watermark and progress: one row, updated, never removed.
  message_index_state: ['SELECT', 'UPDATE'],
  // Analysis history: appended by the worker, read by the tools; never rewritten.
  pattern_analysis: ['SELECT', 'INSERT'],
  // Tokens are issued and revoked by the owner (CLI); the server only reads them and notes their last use.
  access_token: ['SELECT', 'UPDATE (last_used_at)'],
  // Append-only for the service: it can neither read back nor change the trail.
  audit_log: ['INSERT'],
};

export interface ServiceRoleOptions {
  user: string;
  password: string;
}

/**
 * Creates or updates the restricted role the mcp and worker processes use, and (re)applies its grants.
 * Idempotent; run by `migrate` as the owner after the migrations.
 */
export async function ensureServiceRole(db: Kysely<unknown>, { user, password }: ServiceRoleOptions): Promise<void> {
  const role = escapeIdentifier(user);
  await db.connection().execute(async (conn) => {
    // CREATE ROLE has no IF NOT EXISTS; a concurrent migrate may race us to it.
    await sql
      .raw(`DO $$ BEGIN CREATE ROLE ${role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
      .execute(conn);
    await sql
      .raw(
        `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
          `PASSWORD ${escapeLiteral(password)}`,
      )
      .execute(conn);
  });

  const existing = new Set(
    (
      await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`.execute(db)
    ).rows.map((r) => r.name),
  );
  const present = (tables: string[]) => tables.filter((t) => existing.has(t)).map(escapeIdentifier);

  const statements: string[] = [
    `GRANT CONNECT ON DATABASE ${escapeIdentifier(await currentDatabase(db))} TO ${role}`,
    `GRANT USAGE ON SCHEMA public TO ${role}`,
  ];
  const forbidden = present(HOST_FORBIDDEN_TABLES);
  if (forbidden.length) statements.push(`REVOKE ALL ON ${forbidden.join(', ')} FROM ${role}`);
  const readable = present(HOST_READ_TABLES);
  if (readable.length) {
    statements.push(`REVOKE ALL ON ${readable.join(', ')} FROM ${role}`, `GRANT SELECT ON ${readable.join(', ')} TO ${role}`);
  }
  for (const [table, columns] of Object.entries(HOST_READ_COLUMNS)) {
    if (!existing.has(table)) continue;
    const name = escapeIdentifier(table);
    statements.push(`REVOKE ALL ON ${name} FROM ${role}`, `GRANT SELECT (${columns.map(escapeIdentifier).join(', ')}) ON ${name} TO ${role}`);
  }
  const writable = present(HOST_WRITE_TABLES);
  if (writable.length) {
    statements.push(
      `REVOKE ALL ON ${writable.join(', ')} FROM ${role}`,
      `GRANT SELECT, INSERT, UPDATE ON ${writable.join(', ')} TO ${role}`,
    );
  }

  statements.push(`GRANT USAGE ON SCHEMA ${SERVICE_SCHEMA} TO ${role}`);
  const ownTables = new Set(
    (
      await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${SERVICE_SCHEMA} AND c.relkind IN ('r', 'p')`.execute(db)
    ).rows.map((r) => r.name),
  );
  for (const table of ownTables) {
    const qualified = `${SERVICE_SCHEMA}.${escapeIdentifier(table)}`;
    statements.push(`REVOKE ALL ON ${qualified} FROM ${role}`);
    const privileges = SERVICE_TABLE_PRIVILEGES[table];
    if (privileges?.length) statements.push(`GRANT ${privileges.join(', ')} ON ${qualified} TO ${role}`);
  }
  statements.push(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${SERVICE_SCHEMA} TO ${role}`);

  if (await schemaExists(db, PGBOSS_SCHEMA)) {
    // pg-boss deletes its own finished jobs: DELETE is granted inside its schema only.
    statements.push(
      `GRANT USAGE ON SCHEMA ${PGBOSS_SCHEMA} TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${PGBOSS_SCHEMA} TO ${role}`,
      `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${PGBOSS_SCHEMA} TO ${role}`,
      `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${PGBOSS_SCHEMA} TO ${role}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${PGBOSS_SCHEMA} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
    );
  }

  await db.transaction().execute(async (trx) => {
    for (const statement of statements) await sql.raw(statement).execute(trx);
  });
}

async function currentDatabase(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(db);
  return rows[0]!.name;
}

async function schemaExists(db: Kysely<unknown>, schema: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found`.execute(db);
  return rows[0]?.found === true;
}
