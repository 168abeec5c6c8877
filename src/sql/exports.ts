import { sql, type Kysely, type Transaction } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';

// Export objects and the rows naming them: what the export lifecycle (replacement, garbage collection,
// retention) asks the database. Rows name an export in `archive.storage_location`, in the service's items'
// `metadata.export.storageLocation`, in `mcp_archiver.archive_bundle.storage_location` (ZIP bundles); the nightly
// analysis reports in `pattern_report.storage_location`.

/** Every storage location some live row names, across all users. */
export async function namedExportLocations(db: Kysely<Database>): Promise<string[]> {
  return actingAs(db, { system: true }, async (trx) => {
    const { rows } = await sql<{ location: string }>`
      SELECT storage_location AS location FROM archive WHERE storage_location IS NOT NULL
      UNION
      SELECT metadata -> 'export' ->> 'storageLocation' FROM archive_item
      WHERE (metadata ->> 'writer') = 'chat-archiver' AND metadata -> 'export' ->> 'storageLocation' IS NOT NULL
      UNION
      SELECT storage_location FROM mcp_archiver.archive_bundle
      UNION
      SELECT storage_location FROM mcp_archiver.pattern_report`.execute(trx);
    return rows.map((r) => r.location);
  });
}

/** Those of `locations` that some live row names. */
export async function locationsStillNamed(db: Kysely<Database>, locations: string[]): Promise<Set<string>> {
  if (locations.length === 0) return new Set();
  return actingAs(db, { system: true }, async (trx) => {
    const { rows } = await sql<{ location: string }>`
      SELECT storage_location AS location FROM archive WHERE storage_location = ANY(${locations}::text[])
      UNION
      SELECT metadata -> 'export' ->> 'storageLocation' FROM archive_item
      WHERE (metadata ->> 'writer') = 'chat-archiver' AND metadata -> 'export' ->> 'storageLocation' = ANY(${locations}::text[])
      UNION
      SELECT storage_location FROM mcp_archiver.archive_bundle WHERE storage_location = ANY(${locations}::text[])`.execute(trx);
    return new Set(rows.map((r) => r.location));
  });
}

/** One stored export a download link may name: an archive's current export or one of its items'. */
export interface DownloadableExport {
  userId: string;
  location: string;
  format: string;
  sha256: string | null;
  fileSize: number | null;
  /** Chat text (the thread title) or the archive name: only ever used to make a safe file name. */
  title: string;
}

/** Every export the archive's rows name (its bundles included), with what a download needs to describe it. */
export async function downloadableExports(db: Kysely<Database>, archiveId: string): Promise<DownloadableExport[]> {
  return actingAs(db, { system: true }, async (trx) => {
    const { rows } = await sql<{ user_id: string; location: string; format: string | null; sha256: string | null; file_size: string | null; title: string | null }>`
      SELECT i.user_id, i.metadata -> 'export' ->> 'storageLocation' AS location, i.metadata -> 'export' ->> 'format' AS format,
             i.metadata -> 'export' ->> 'sha256' AS sha256, i.metadata -> 'export' ->> 'fileSize' AS file_size,
             coalesce(t.title, i.metadata ->> 'threadTitle') AS title
      FROM archive_item i LEFT JOIN chat_thread t ON t.id = i.item_id AND t.user_id = i.user_id
      WHERE i.archive_id = ${archiveId} AND (i.metadata ->> 'writer') = 'chat-archiver'
        AND i.metadata -> 'export' ->> 'storageLocation' IS NOT NULL
      UNION ALL
      SELECT a.user_id, a.storage_location, a.export_format, a.mcp_metadata -> 'checksum' ->> 'value', a.file_size::text, a.name
      FROM archive a WHERE a.id = ${archiveId} AND a.storage_location IS NOT NULL
      UNION ALL
      SELECT b.user_id, b.storage_location, 'zip', b.sha256, b.file_size::text, a.name || ' ' || b.format
      FROM mcp_archiver.archive_bundle b JOIN archive a ON a.id = b.archive_id WHERE b.archive_id = ${archiveId}`.execute(trx);
    return rows.map((r) => ({
      userId: r.user_id,
      location: r.location,
      format: r.format ?? 'json',
      sha256: r.sha256,
      fileSize: r.file_size === null ? null : Number(r.file_size),
      title: r.title ?? 'export',
    }));
  });
}

/** What retention removed from a row: the reason and when, kept in its JSON in place of the location. */
export interface ExportRemoval {
  reason: 'retention';
  at: string;
}

/**
 * Forgets, in the rows, every export written before `cutoff`: the archive's `storage_location` becomes null with
 * `mcp_metadata.exportRemoved`, the item's `metadata.export.storageLocation` gives way to `export.removed`. The rows
 * stay, except bundles' rows, which are deleted (a bundle is made again by asking for it). Returns the locations no longer named by these rows (the garbage collection deletes the objects).
 * `dryRun` only reports them.
 */
export async function forgetExportsBefore(db: Kysely<Database>, cutoff: Date, removal: ExportRemoval, dryRun: boolean): Promise<string[]> {
  return actingAs(db, { system: true }, async (trx) => {
    const removed = JSON.stringify(removal);
    const items = await sql<{ location: string }>`
      SELECT metadata -> 'export' ->> 'storageLocation' AS location FROM archive_item
      WHERE (metadata ->> 'writer') = 'chat-archiver' AND metadata -> 'export' ->> 'storageLocation' IS NOT NULL
        AND (metadata ->> 'archivedAt')::timestamptz < ${cutoff.toISOString()}::timestamptz`.execute(trx);
    const archives = await sql<{ location: string }>`
      SELECT storage_location AS location FROM archive
      WHERE storage_location IS NOT NULL AND coalesce((mcp_metadata::jsonb ->> 'updatedAt')::timestamptz, updated_at) < ${cutoff.toISOString()}::timestamptz`.execute(trx);
    const bundles = await sql<{ location: string }>`
      SELECT storage_location AS location FROM mcp_archiver.archive_bundle WHERE created_at < ${cutoff.toISOString()}::timestamptz`.execute(trx);
    if (!dryRun) {
      await sql`DELETE FROM mcp_archiver.archive_bundle WHERE created_at < ${cutoff.toISOString()}::timestamptz`.execute(trx);
      await sql`
        UPDATE archive_item
        SET metadata = jsonb_set(metadata::jsonb #- '{export,storageLocation}', '{export,removed}', ${removed}::jsonb)::json
        WHERE (metadata ->> 'writer') = 'chat-archiver' AND metadata -> 'export' ->> 'storageLocation' IS NOT NULL
          AND (metadata ->> 'archivedAt')::timestamptz < ${cutoff.toISOString()}::timestamptz`.execute(trx);
      await sql`
        UPDATE archive
        SET storage_location = NULL,
            mcp_metadata = (coalesce(mcp_metadata::jsonb, '{}'::jsonb) || jsonb_build_object('exportRemoved', ${removed}::jsonb))::json
        WHERE storage_location IS NOT NULL AND coalesce((mcp_metadata::jsonb ->> 'updatedAt')::timestamptz, updated_at) < ${cutoff.toISOString()}::timestamptz`.execute(trx);
    }
    return [...new Set([...items.rows, ...archives.rows, ...bundles.rows].map((r) => r.location))];
  });
}
