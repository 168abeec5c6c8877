import { sql, type Kysely } from 'kysely';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { ROLE_FUNCTION_PRIVILEGES, ROLE_SCHEMA_USAGE, ROLE_SCHEMA_WIDE_PRIVILEGES, ROLE_TABLE_PRIVILEGES, splitTableName, type TableAllowance } from './role-privileges.ts';
import { SERVICE_SCHEMA } from './schemas.ts';

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

  const columns = await tableColumns(db, ['public', SERVICE_SCHEMA]);
  const statements: string[] = [`GRANT CONNECT ON DATABASE ${escapeIdentifier(await currentDatabase(db))} TO ${role}`];
  for (const schema of ROLE_SCHEMA_USAGE) {
    if (await schemaExists(db, schema)) statements.push(`GRANT USAGE ON SCHEMA ${escapeIdentifier(schema)} TO ${role}`);
  }
  // Whatever was granted before (by hand, or by an older version) goes; only the allow-list is granted again.
  for (const qualified of columns.keys()) statements.push(`REVOKE ALL ON ${quoteTable(qualified)} FROM ${role}`);
  for (const [qualified, allowance] of Object.entries(ROLE_TABLE_PRIVILEGES)) {
    const present = columns.get(qualified);
    if (present) statements.push(...grantsOf(qualified, allowance, present, role));
  }
  statements.push(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${SERVICE_SCHEMA} TO ${role}`);
  for (const signature of Object.keys(ROLE_FUNCTION_PRIVILEGES)) {
    if (await functionExists(db, signature)) statements.push(`GRANT EXECUTE ON FUNCTION ${signature} TO ${role}`);
  }

  for (const [schema, privileges] of Object.entries(ROLE_SCHEMA_WIDE_PRIVILEGES)) {
    if (!(await schemaExists(db, schema))) continue;
    const list = Object.keys(privileges).join(', ');
    const name = escapeIdentifier(schema);
    statements.push(
      `GRANT ${list} ON ALL TABLES IN SCHEMA ${name} TO ${role}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${name} GRANT ${list} ON TABLES TO ${role}`,
      `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${name} TO ${role}`,
      `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${name} TO ${role}`,
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

async function functionExists(db: Kysely<unknown>, signature: string): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`SELECT to_regprocedure(${signature})::text AS found`.execute(db);
  return rows[0]?.found != null;
}

async function schemaExists(db: Kysely<unknown>, schema: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found`.execute(db);
  return rows[0]?.found === true;
}

/** The GRANT statements of one table's allowance, for the columns the table has. */
function grantsOf(qualified: string, allowance: TableAllowance, present: ReadonlySet<string>, role: string): string[] {
  const table = quoteTable(qualified);
  const statements: string[] = [];
  const wholeTable = Object.keys(allowance['*'] ?? {});
  if (wholeTable.length) statements.push(`GRANT ${wholeTable.join(', ')} ON ${table} TO ${role}`);
  const byPrivilege = new Map<string, string[]>();
  for (const [column, privileges] of Object.entries(allowance)) {
    if (column === '*' || !present.has(column)) continue;
    for (const privilege of Object.keys(privileges)) byPrivilege.set(privilege, [...(byPrivilege.get(privilege) ?? []), escapeIdentifier(column)]);
  }
  const columnGrants = [...byPrivilege].map(([privilege, names]) => `${privilege} (${names.join(', ')})`);
  if (columnGrants.length) statements.push(`GRANT ${columnGrants.join(', ')} ON ${table} TO ${role}`);
  return statements;
}

function quoteTable(qualified: string): string {
  const { schema, table } = splitTableName(qualified);
  return `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
}

/** `schema.table` → its column names, for the ordinary and partitioned tables of the given schemas. */
async function tableColumns(db: Kysely<unknown>, schemas: string[]): Promise<Map<string, Set<string>>> {
  const { rows } = await sql<{ qualified: string; column: string | null }>`
    SELECT n.nspname || '.' || c.relname AS qualified, a.attname AS column
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = ANY(${schemas}::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`.execute(db);
  const tables = new Map<string, Set<string>>();
  for (const row of rows) {
    const set = tables.get(row.qualified) ?? new Set<string>();
    if (row.column) set.add(row.column);
    tables.set(row.qualified, set);
  }
  return tables;
}
