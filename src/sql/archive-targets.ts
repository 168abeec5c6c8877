import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';

export interface ArchiveRow {
  id: string;
  name: string;
  description: string | null;
}

/** The user's archive of this id, or undefined (unknown and foreign archives look the same). */
export async function ownArchive(trx: Transaction<Database>, userId: string, archiveId: string): Promise<ArchiveRow | undefined> {
  const { rows } = await sql<ArchiveRow>`
    SELECT id, name, description FROM archive WHERE id = ${archiveId} AND user_id = ${userId}`.execute(trx);
  return rows[0];
}

/**
 * Creates the archive with this id unless it exists (a retry of the job that creates it finds its own row), and
 * returns it. An id taken by another user's archive returns undefined.
 */
export async function ensureArchive(
  trx: Transaction<Database>,
  archive: ArchiveRow & { userId: string },
): Promise<ArchiveRow | undefined> {
  await sql`
    INSERT INTO archive (id, name, description, user_id)
    VALUES (${archive.id}, ${archive.name}, ${archive.description}, ${archive.userId})
    ON CONFLICT (id) DO NOTHING`.execute(trx);
  return ownArchive(trx, archive.userId, archive.id);
}

/** The user's oldest archive with exactly this name, or undefined. */
export async function archiveNamed(trx: Transaction<Database>, userId: string, name: string): Promise<ArchiveRow | undefined> {
  const { rows } = await sql<ArchiveRow>`
    SELECT id, name, description FROM archive WHERE user_id = ${userId} AND name = ${name}
    ORDER BY created_at, id LIMIT 1`.execute(trx);
  return rows[0];
}
