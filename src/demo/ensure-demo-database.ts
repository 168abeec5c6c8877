import type { Kysely } from 'kysely';
import { createDb } from '../db/connect.ts';
import type { DatabaseTarget } from '../db/database-target.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_DEMO_OPTIONS, ensureHostSchema, hasHostUsers, seedDemoData } from './seed-demo.ts';

/**
 * The first-run path of the embedded default database: create the host app's schema and demo data when the
 * database is empty, so a new user has conversations to archive. Never touches a database named by DATABASE_URL.
 */
export async function ensureDemoDatabase(target: DatabaseTarget, log: Logger): Promise<{ seeded: boolean }> {
  if (!target.isEmbeddedDefault) return { seeded: false };
  const db = createDb(target.ownerUrl, { max: 2, applicationName: 'chat-archiver:demo' }) as Kysely<unknown>;
  try {
    await ensureHostSchema(db);
    if (await hasHostUsers(db)) return { seeded: false };
    const until = new Date();
    until.setUTCHours(0, 0, 0, 0);
    const result = await seedDemoData(db, { ...DEFAULT_DEMO_OPTIONS, until });
    log.info(result, 'demo data written');
    return { seeded: true };
  } finally {
    await db.destroy();
  }
}
