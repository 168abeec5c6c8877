import net from 'node:net';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDb, withDatabase } from '../../src/db/connect.ts';
import { migrateDatabase } from '../../src/db/prepare-database.ts';
import { ensureHostSchema, seedDemoData, DEFAULT_DEMO_OPTIONS } from '../../src/demo/seed-demo.ts';

/** A role of its own, so tests never change the password of a developer's real service role. */
export const TEST_SERVICE_USER = 'ca_test_service';
export const TEST_SERVICE_PASSWORD = 'test-service-password-0123';
/** Fixed so that demo data, and every number derived from it, is the same on every run. */
export const TEST_DEMO_UNTIL = new Date('2026-01-31T00:00:00Z');

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function buildTemplate(adminUrl: string, template: string): Promise<void> {
  await adminQuery(adminUrl, `CREATE DATABASE "${template}"`);
  const ownerUrl = withDatabase(adminUrl, template);
  const db = createDb(ownerUrl, { max: 2 }) as Kysely<unknown>;
  try {
    await ensureHostSchema(db);
    await seedDemoData(db, { ...DEFAULT_DEMO_OPTIONS, until: TEST_DEMO_UNTIL });
  } finally {
    await db.destroy();
  }
  await migrateDatabase(ownerUrl, { user: TEST_SERVICE_USER, password: TEST_SERVICE_PASSWORD });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
