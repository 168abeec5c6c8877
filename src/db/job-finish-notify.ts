import { sql, type Kysely } from 'kysely';
import { PGBOSS_SCHEMA, SERVICE_SCHEMA } from './schemas.ts';

/** The channel a finished job's `{id, name}` is announced on; `get_job` waits listen to it. */
export const JOB_FINISHED_CHANNEL = 'chat_archiver_job_finished';

/**
 * A row trigger on pg-boss's job table that announces every job reaching completed, failed or cancelled.
 * It is (re)installed after pg-boss's own install rather than in a migration: migrations run before pg-boss's schema
 * exists. A row trigger on the partitioned parent is cloned onto every partition, also those pg-boss attaches later
 * for new queues (PostgreSQL 13+).
 */
export async function ensureJobFinishNotify(db: Kysely<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql.raw(`
      CREATE OR REPLACE FUNCTION ${SERVICE_SCHEMA}.notify_job_finished() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${JOB_FINISHED_CHANNEL}', json_build_object('id', NEW.id, 'name', NEW.name)::text);
        RETURN NULL;
      END
      $$`).execute(trx);
    await sql.raw(`DROP TRIGGER IF EXISTS job_finished_notify ON ${PGBOSS_SCHEMA}.job`).execute(trx);
    await sql.raw(`
      CREATE TRIGGER job_finished_notify AFTER UPDATE OF state ON ${PGBOSS_SCHEMA}.job FOR EACH ROW
      WHEN (NEW.state IN ('completed', 'failed', 'cancelled') AND OLD.state IS DISTINCT FROM NEW.state)
      EXECUTE FUNCTION ${SERVICE_SCHEMA}.notify_job_finished()`).execute(trx);
  });
}
