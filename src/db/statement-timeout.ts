import { sql, type Kysely } from 'kysely';
import type { Database } from './database.ts';

/** Bounds every later statement of the caller's transaction (SET LOCAL: it ends with the transaction). */
export async function setLocalStatementTimeout(trx: Kysely<Database>, timeoutMs: number): Promise<void> {
  await sql.raw(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`).execute(trx);
}
