import type { Kysely } from 'kysely';
import { inject } from 'vitest';
import { migrateDatabase } from '../../src/db/prepare-database.ts';
import { ensureHostSchema, seedDemoData } from '../../src/demo/seed-demo.ts';
import { TEST_DEMO_UNTIL } from './test-cluster.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

/** A test database of its own size: host schema, demo data of the given shape, migrations, pg-boss, service role. */
export async function createSeededDatabase(shape: { users: number; threadsPerUser: number; messagesPerThread: number }): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  try {
    await ensureHostSchema(db.owner as Kysely<unknown>);
    await seedDemoData(db.owner as Kysely<unknown>, { ...shape, seed: 11, days: 60, until: TEST_DEMO_UNTIL });
    const cluster = inject('testCluster');
    await migrateDatabase(db.ownerUrl, { user: cluster.serviceUser, password: cluster.servicePassword });
  } catch (error) {
    await db.drop();
    throw error;
  }
  return db;
}
