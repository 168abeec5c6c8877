import type { Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import { createDb } from './connect.ts';
import type { DatabaseTarget } from './database-target.ts';
import { migrateToLatest } from './migrate.ts';
import { installPgBoss } from './pgboss-install.ts';
import { ensureJobFinishNotify } from './job-finish-notify.ts';
import { ensureOpenJobIndex } from './open-job-index.ts';
import { ensureServiceRowPolicies } from './row-level-security.ts';
import { ensureServiceRole } from './service-role.ts';

export interface MigrateSummary {
  applied: string[];
}

/** Applies our migrations, installs pg-boss's schema and (re)creates the service role with its grants and policies. */
export async function runMigrations(target: DatabaseTarget, log: Logger): Promise<MigrateSummary> {
  const service = new URL(target.serviceUrl);
  const summary = await migrateDatabase(target.ownerUrl, {
    user: decodeURIComponent(service.username),
    password: decodeURIComponent(service.password),
  });
  log.info(summary, summary.applied.length ? 'migrations applied' : 'database schema already up to date');
  return summary;
}

export async function migrateDatabase(ownerUrl: string, serviceRole: { user: string; password: string }): Promise<MigrateSummary> {
  const db = createDb(ownerUrl, { max: 2, applicationName: 'chat-archiver:migrate' }) as Kysely<unknown>;
  try {
    const result = await migrateToLatest(db);
    const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    await installPgBoss(ownerUrl);
    await ensureJobFinishNotify(db);
    await ensureOpenJobIndex(db);
    await ensureServiceRole(db, serviceRole);
    await ensureServiceRowPolicies(db, serviceRole.user);
    return { applied };
  } finally {
    await db.destroy();
  }
}
