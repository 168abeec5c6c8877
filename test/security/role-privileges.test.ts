import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateDatabase } from '../../src/db/prepare-database.ts';
import { ROLE_FUNCTION_PRIVILEGES, ROLE_SCHEMA_USAGE, ROLE_SCHEMA_WIDE_PRIVILEGES, ROLE_TABLE_PRIVILEGES } from '../../src/db/role-privileges.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
const COLUMN_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES'] as const;
const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];

interface Relation {
  schema: string;
  table: string;
  columns: string[];
}

/** Every table, view and column of every non-system schema of the database. */
async function relations(db: TestDatabase): Promise<Relation[]> {
  const { rows } = await sql<{ schema: string; table: string; columns: string[] }>`
    SELECT n.nspname AS schema, c.relname AS table,
           coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attname IS NOT NULL), '{}') AS columns
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT (n.nspname = ANY(${SYSTEM_SCHEMAS}::text[])) AND n.nspname NOT LIKE 'pg_temp%'
    GROUP BY n.nspname, c.relname`.execute(db.owner);
  return rows;
}

/** The role's effective privileges as PostgreSQL answers them (PUBLIC and memberships included), one line each. */
async function effectivePrivileges(db: TestDatabase, role: string): Promise<string[]> {
  const held: string[] = [];
  for (const { schema, table, columns } of await relations(db)) {
    const oid = `${quote(schema)}.${quote(table)}`;
    const { rows } = await sql<{ privilege: string; held: boolean }>`
      SELECT p AS privilege, has_table_privilege(${role}, ${oid}::regclass, p) AS held
      FROM unnest(${[...TABLE_PRIVILEGES]}::text[]) AS p`.execute(db.owner);
    for (const row of rows) if (row.held) held.push(`${schema}.${table} ${row.privilege}`);
    const { rows: columnRows } = await sql<{ column: string; privilege: string; held: boolean }>`
      SELECT col AS column, p AS privilege, has_column_privilege(${role}, ${oid}::regclass, col, p) AS held
      FROM unnest(${columns}::text[]) AS col CROSS JOIN unnest(${[...COLUMN_PRIVILEGES]}::text[]) AS p`.execute(db.owner);
    for (const row of columnRows) if (row.held) held.push(`${schema}.${table}.${row.column} ${row.privilege}`);
  }
  return held.sort();
}

/** What the allow-list says the role holds on the tables the database has. */
async function allowedPrivileges(db: TestDatabase): Promise<string[]> {
  const allowed: string[] = [];
  for (const { schema, table, columns } of await relations(db)) {
    const qualified = `${schema}.${table}`;
    const wholeTable = ROLE_SCHEMA_WIDE_PRIVILEGES[schema] ?? ROLE_TABLE_PRIVILEGES[qualified]?.['*'] ?? {};
    for (const privilege of Object.keys(wholeTable)) allowed.push(`${qualified} ${privilege}`);
    for (const column of columns) {
      const privileges = new Set([...Object.keys(wholeTable), ...Object.keys(ROLE_TABLE_PRIVILEGES[qualified]?.[column] ?? {})]);
      for (const privilege of privileges) {
        if ((COLUMN_PRIVILEGES as readonly string[]).includes(privilege)) allowed.push(`${qualified}.${column} ${privilege}`);
      }
    }
  }
  return allowed.sort();
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

describe('the service role holds exactly the privileges of src/db/role-privileges.ts', () => {
  let db: TestDatabase;
  let role: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    role = decodeURIComponent(new URL(db.serviceUrl).username);
  });
  afterAll(async () => db.drop());

  it('on every table and column of every schema', async () => {
    expect(await effectivePrivileges(db, role)).toEqual(await allowedPrivileges(db));
  });

  it('cannot read mcp_server.config (other users\u2019 MCP server URLs, headers and keys) nor any column off the list', async () => {
    await expect(sql`SELECT config FROM mcp_server`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`SELECT * FROM mcp_server`.execute(db.service)).rejects.toThrow(/permission denied/);
    await expect(sql`SELECT tool_info FROM mcp_server`.execute(db.service)).rejects.toThrow(/permission denied/);
    await sql`SELECT id, user_id, name FROM mcp_server`.execute(db.service);
  });

  it('may use the listed schemas and create objects in none', async () => {
    const { rows } = await sql<{ schema: string; usage: boolean; create: boolean }>`
      SELECT nspname AS schema, has_schema_privilege(${role}, oid, 'USAGE') AS usage, has_schema_privilege(${role}, oid, 'CREATE') AS create
      FROM pg_namespace WHERE NOT (nspname = ANY(${SYSTEM_SCHEMAS}::text[])) AND nspname NOT LIKE 'pg_t%'`.execute(db.owner);
    expect(rows.filter((r) => r.create)).toEqual([]);
    expect(rows.filter((r) => r.usage).map((r) => r.schema).sort()).toEqual([...ROLE_SCHEMA_USAGE].sort());
  });

  it('may execute the listed SECURITY DEFINER functions, and nobody else may (not PUBLIC, so not the host app)', async () => {
    const { rows } = await sql<{ fn: string; service: boolean; public: boolean }>`
      SELECT p.oid::regprocedure::text AS fn, has_function_privilege(${role}, p.oid, 'EXECUTE') AS service,
             coalesce(aclexplode.grantee IS NOT NULL, false) AS public
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      LEFT JOIN LATERAL (SELECT a.grantee FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                         WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') aclexplode ON true
      WHERE p.prosecdef ORDER BY 1`.execute(db.owner);
    const { rows: listed } = await sql<{ fn: string | null }>`
      SELECT to_regprocedure(s)::text AS fn FROM unnest(${Object.keys(ROLE_FUNCTION_PRIVILEGES)}::text[]) AS s ORDER BY 1`.execute(db.owner);
    expect(listed.every((r) => r.fn !== null)).toBe(true);
    expect(rows.map((r) => r.fn)).toEqual(listed.map((r) => r.fn));
    for (const row of rows) expect(row, row.fn).toMatchObject({ service: true, public: false });
  });

  it('loses a grant made by hand on the next migrate, so nothing outside the list survives', async () => {
    await sql.raw(`GRANT SELECT ON mcp_server, "user" TO ${quote(role)}`).execute(db.owner);
    expect(await effectivePrivileges(db, role)).toContain('public.mcp_server.config SELECT');
    const cluster = inject('testCluster');
    await migrateDatabase(db.ownerUrl, { user: role, password: cluster.servicePassword });
    expect(await effectivePrivileges(db, role)).toEqual(await allowedPrivileges(db));
  });
});
