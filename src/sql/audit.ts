import type { Insertable, Kysely } from 'kysely';
import type { AuditLogTable, Database } from '../db/database.ts';

export type AuditRow = Insertable<AuditLogTable>;

/** Appends one row to the append-only audit log. */
export async function appendAuditRow(db: Kysely<Database>, row: AuditRow): Promise<void> {
  await db.insertInto('mcp_archiver.audit_log').values(row).execute();
}
