import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.ts';

/** Who a transaction acts for: a user id, or `system` for schedule and all-users work. */
export type Actor = { userId: string } | { system: true };

export const ACTING_USER_SETTING = 'mcp_archiver.acting_user';

/**
 * Runs `work` in a transaction that declares who it acts for (a transaction-local setting). Row-level security
 * policies on the archive tables and the service's own tables read it, as a second wall behind the
 * application's own ownership checks. Every service-role access to those tables goes through here, except the
 * one-round-trip transaction of archive_conversation, whose first statement (mcp_archiver.begin_archive_request) sets
 * the same setting.
 */
export async function actingAs<T>(db: Kysely<Database>, actor: Actor, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const value = 'system' in actor ? 'system' : actor.userId;
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config(${ACTING_USER_SETTING}, ${value}, true)`.execute(trx);
    return work(trx);
  });
}
