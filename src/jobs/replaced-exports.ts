import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { ExportStore } from '../export/object-store.ts';
import { sameLocation } from '../export/store-location.ts';
import { locationsStillNamed } from '../sql/exports.ts';

/**
 * Deletes the exports a committed write replaced, unless some row still names them (another archive's export
 * column, another item). Returns how many were deleted.
 */
export async function deleteReplacedExports(
  db: Kysely<Database>,
  store: ExportStore,
  exportDir: string,
  replaced: string[],
  current: string,
): Promise<number> {
  const candidates = replaced.filter((location) => !sameLocation(location, current, exportDir) && store.owns(location));
  if (candidates.length === 0) return 0;
  const named = await locationsStillNamed(db, candidates);
  let deleted = 0;
  for (const location of candidates) {
    if (named.has(location)) continue;
    if (await store.delete(location)) deleted += 1;
  }
  return deleted;
}
