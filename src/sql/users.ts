import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

/** As the owner: the service role reads no more of the user table than id and name (the usage report). */
export async function hostUserExists(ownerDb: Kysely<Database>, userId: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`SELECT EXISTS (SELECT 1 FROM "user" WHERE id = ${userId}) AS found`.execute(ownerDb);
  return rows[0]?.found === true;
}
