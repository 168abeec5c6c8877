import type { Insertable, Kysely } from 'kysely';
import type { AuditLogTable, Database } from '../db/database.ts';

export type AuditRow = Insertable<AuditLogTable>;

/** Appends one row to the append-only audit log. */
export async function appendAuditRow(db: Kysely<Database>, row: AuditRow): Promise<void> {
  await db.insertInto('mcp_archiver.audit_log').values(row).execute();
}

/**
 * appendAuditRow as one statement of a pipelined transaction: the row of a call that enqueued `jobId` into `queue`,
 * appended only if that job exists in the transaction (pg-boss inserted it rather than finding a duplicate).
 */
export function appendAuditRowOfInsertedJob(row: AuditRow & { job_id: string }, queue: string): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO mcp_archiver.audit_log (operation, user_id, token_id, transport, job_id, outcome, duration_ms, detail)
      SELECT $1::text, $2::uuid, $3::uuid, $4::text, $5::text, $6::text, $7::integer, $8::jsonb
      WHERE EXISTS (SELECT 1 FROM pgboss.job WHERE name = $9::text AND id = $5::text::uuid)`,
    values: [row.operation, row.user_id ?? null, row.token_id ?? null, row.transport ?? null, row.job_id, row.outcome, row.duration_ms ?? 0, row.detail ?? null, queue],
  };
}
