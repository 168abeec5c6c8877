import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';

/** Runs `read` in one read-only repeatable-read transaction whose statements each stop after `statementTimeout`. */
export async function inReadOnlySnapshot<T>(db: Kysely<Database>, statementTimeout: string, read: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      await sql`SET TRANSACTION READ ONLY`.execute(trx);
      await sql`SELECT set_config('statement_timeout', ${statementTimeout}, true)`.execute(trx);
      return read(trx);
    });
}
