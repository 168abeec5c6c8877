// Databases of the benchmarks' own on one PostgreSQL server: DATABASE_URL (an owner/superuser URL) when set, else an
// embedded PostgreSQL in a temp dir, as the test suite's global setup does. bench/run.ts starts that server once and
// hands its URL to each benchmark process in BENCH_ADMIN_URL.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { createDb, withDatabase } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/database.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { migrateDatabase } from '../../src/db/prepare-database.ts';
import { ensureHostSchema, seedDemoData, type SeedResult } from '../../src/demo/seed-demo.ts';
import type { DemoOptions } from '../../src/demo/demo-data.ts';
import { adminQuery } from '../../test/support/test-cluster.ts';

/** A role of the benchmarks' own, so they never change the password of a real service role or the tests' one. */
export const BENCH_SERVICE_USER = 'ca_bench_service';
export const BENCH_SERVICE_PASSWORD = 'bench-service-password-0123';
/** Fixed so that the demo data, and so the work measured, is the same on every run. */
export const BENCH_DEMO_UNTIL = new Date('2026-01-31T00:00:00Z');
export const BENCH_DATABASE_PREFIX = 'ca_bench_';

export { adminQuery };

export interface DatabaseServer {
  adminUrl: string;
  kind: 'DATABASE_URL' | 'embedded';
  stop(): Promise<void>;
}

export async function openDatabaseServer(tempDir: string, port: number): Promise<DatabaseServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { adminUrl: url, kind: 'DATABASE_URL', stop: async () => {} };
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'pg'), port, logFile: path.join(tempDir, 'postgres.log') });
  return { adminUrl: embedded.url, kind: 'embedded', stop: () => embedded.stop() };
}

/** The server a benchmark process works on: the one bench/run.ts opened, or DATABASE_URL when run alone. */
export function benchAdminUrl(): string {
  const url = process.env.BENCH_ADMIN_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('run through `npm run bench` (or set DATABASE_URL to an owner URL of a PostgreSQL server)');
  return url;
}

export interface BenchDatabase {
  name: string;
  ownerUrl: string;
  /** The restricted service role, as the worker and the MCP server connect. */
  serviceUrl: string;
  /** Environment for `chat-archiver` child processes on this database. */
  env: Record<string, string>;
  seeded: SeedResult | undefined;
  owner: Kysely<Database>;
  drop(): Promise<void>;
}

/** A fresh database: host schema, demo data (when asked), migrations, pg-boss, the service role. */
export async function createBenchDatabase(adminUrl: string, seed?: Omit<DemoOptions, 'until' | 'days' | 'seed'> & Partial<DemoOptions>): Promise<BenchDatabase> {
  const name = `${BENCH_DATABASE_PREFIX}${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const ownerUrl = withDatabase(adminUrl, name);
  const owner = createDb(ownerUrl, { max: 4, applicationName: 'chat-archiver:bench' });
  const drop = async () => {
    await owner.destroy();
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  try {
    await ensureHostSchema(owner as Kysely<unknown>);
    const seeded = seed ? await seedDemoData(owner as Kysely<unknown>, { seed: 7, days: 60, until: BENCH_DEMO_UNTIL, ...seed }) : undefined;
    await migrateDatabase(ownerUrl, { user: BENCH_SERVICE_USER, password: BENCH_SERVICE_PASSWORD });
    // Fresh statistics, as a database that has lived a while would have.
    await sql`ANALYZE`.execute(owner);
    const service = new URL(ownerUrl);
    service.username = BENCH_SERVICE_USER;
    service.password = BENCH_SERVICE_PASSWORD;
    return {
      name,
      ownerUrl,
      serviceUrl: service.toString(),
      env: { DATABASE_URL: ownerUrl, MCP_DB_USER: BENCH_SERVICE_USER, MCP_DB_PASSWORD: BENCH_SERVICE_PASSWORD },
      seeded,
      owner,
      drop,
    };
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
}

/** Databases and the role left by benchmark runs that were interrupted. */
export async function dropLeftovers(adminUrl: string): Promise<void> {
  const rows = await adminQuery<{ datname: string }>(adminUrl, `SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${BENCH_DATABASE_PREFIX.replaceAll('_', '\\_')}%`]);
  for (const { datname } of rows) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${BENCH_SERVICE_USER}`);
}
