import type { Kysely } from 'kysely';
import { z } from 'zod';
import { exportFormats } from '../../export/export-types.ts';
import { archiveDescriptionSchema, archiveNameSchema } from '../../jobs/archive-naming.ts';
import { uuidArgument } from '../tool-schemas.ts';
import { actingAs } from '../../db/acting-user.ts';
import type { Database } from '../../db/database.ts';
import { archiveOfUser } from '../../sql/archives.ts';
import { notFound } from '../tool-error.ts';

/** Refuses an `archiveId` that is not one of the caller's archives (unknown and foreign look the same). */
export async function requireOwnArchive(db: Kysely<Database>, userId: string, archiveId: string | undefined): Promise<void> {
  if (!archiveId) return;
  const archive = await actingAs(db, { userId }, (trx) => archiveOfUser(trx, userId, archiveId));
  if (!archive) throw notFound('archive', archiveId);
}

/** The arguments every snapshot tool takes besides what it snapshots: where it goes and in which format. */
export const snapshotToolArguments = {
  name: archiveNameSchema,
  description: archiveDescriptionSchema.optional(),
  exportFormat: z.enum(exportFormats, { error: `expected one of ${exportFormats.join(', ')}` }).default('json'),
  archiveId: uuidArgument('an archive id').optional().describe('Add the snapshot to this existing archive of yours'),
};
