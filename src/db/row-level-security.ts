import { sql, type Kysely } from 'kysely';
import { escapeIdentifier } from 'pg';
import { ACTING_USER_SETTING } from './acting-user.ts';

/** Tables whose rows belong to one user, by the column naming that user. */
export const USER_SCOPED_TABLES: ReadonlyArray<{ table: string; userColumn: string }> = [
  { table: 'public.archive', userColumn: 'user_id' },
  { table: 'public.archive_item', userColumn: 'user_id' },
  { table: 'mcp_archiver.search_document', userColumn: 'user_id' },
  { table: 'mcp_archiver.archive_bundle', userColumn: 'user_id' },
  { table: 'mcp_archiver.message_index_thread', userColumn: 'user_id' },
  { table: 'mcp_archiver.message_index', userColumn: 'user_id' },
  { table: 'mcp_archiver.message_index_word', userColumn: 'user_id' },
  // Everyone-scope rows (user_id NULL) are visible to `system` only.
  { table: 'mcp_archiver.pattern_analysis', userColumn: 'user_id' },
];

const POLICY = 'service_acts_for_one_user';

/**
 * A restrictive policy for the service role only: whatever else allows, it sees and writes just the rows of the user
 * its transaction acts for (`actingAs`), or every row when acting as `system`. With no declared user it sees nothing.
 * Other roles (the host app's) are untouched. Idempotent; run by `migrate` after the migrations.
 */
export async function ensureServiceRowPolicies(db: Kysely<unknown>, serviceRole: string): Promise<void> {
  const role = escapeIdentifier(serviceRole);
  await db.transaction().execute(async (trx) => {
    for (const { table, userColumn } of USER_SCOPED_TABLES) {
      const { rows } = await sql<{ found: string | null }>`SELECT to_regclass(${table})::text AS found`.execute(trx);
      if (!rows[0]?.found) continue;
      const actor = `current_setting('${ACTING_USER_SETTING}', true)`;
      const check = `(${actor} = 'system' OR ${escapeIdentifier(userColumn)}::text = ${actor})`;
      await sql.raw(`DROP POLICY IF EXISTS ${POLICY} ON ${table}`).execute(trx);
      await sql.raw(`CREATE POLICY ${POLICY} ON ${table} AS RESTRICTIVE FOR ALL TO ${role} USING ${check} WITH CHECK ${check}`).execute(trx);
    }
  });
}
