import { PgBoss } from 'pg-boss';
import { PGBOSS_SCHEMA } from './schemas.ts';

/**
 * Creates or upgrades pg-boss's own schema as the owner role, so the service role can run pg-boss
 * with `migrate: false` and no CREATE privilege.
 */
export async function installPgBoss(ownerUrl: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: ownerUrl,
    schema: PGBOSS_SCHEMA,
    max: 2,
    supervise: false,
    schedule: false,
    migrate: true,
    registerInstance: false,
  });
  let failure: unknown;
  boss.on('error', (error) => {
    failure ??= error;
  });
  await boss.start();
  await boss.stop({ graceful: false, close: true });
  if (failure) throw failure;
}
