import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

// `mcp_archiver.archive_bundle`: the newest ZIP bundle of each (archive, format), written by `export_archive`.

/** One item of an archive as a bundle needs it: what it is, and the export the worker stored for it, if any. */
export interface BundleItemRow {
  archiveItemId: string;
  itemId: string;
  itemType: string;
  /** The thread's title (live, else as archived), the agent's or workflow's name; null when none is known. */
  title: string | null;
  /** For a thread item: the thread still exists and is still the item owner's. */
  threadLive: boolean;
  metadata: unknown;
}

/** Every item of the archive, oldest first; run acting as the archive's owner. */
export async function bundleItems(db: Kysely<Database>, archiveId: string): Promise<BundleItemRow[]> {
  const { rows } = await sql<{ id: string; item_id: string; item_type: string; title: string | null; metadata: unknown; thread_live: boolean }>`
    SELECT i.id, i.item_id, i.item_type, i.metadata, t.id IS NOT NULL AS thread_live,
           coalesce(t.title, i.metadata ->> 'threadTitle', i.metadata ->> 'agentName', i.metadata ->> 'workflowName') AS title
    FROM archive_item i LEFT JOIN chat_thread t ON t.id = i.item_id AND t.user_id = i.user_id
    WHERE i.archive_id = ${archiveId}
    ORDER BY i.added_at, i.id`.execute(db);
  return rows.map((r) => ({ archiveItemId: r.id, itemId: r.item_id, itemType: r.item_type, title: r.title, threadLive: r.thread_live, metadata: r.metadata }));
}

export interface BundleWrite {
  archiveId: string;
  format: string;
  userId: string;
  jobId: string;
  storageLocation: string;
  fileSize: number;
  sha256: string;
  fileCount: number;
}

/**
 * Records the bundle as the archive's newest in its format; returns where the one it replaced is (to delete once
 * committed), or undefined. Undefined too, with nothing written, when the archive is gone (deleted meanwhile).
 */
export async function recordBundle(db: Kysely<Database>, bundle: BundleWrite): Promise<{ recorded: boolean; replaced?: string }> {
  const { rows: previous } = await sql<{ location: string }>`
    SELECT storage_location AS location FROM mcp_archiver.archive_bundle
    WHERE archive_id = ${bundle.archiveId} AND format = ${bundle.format} FOR UPDATE`.execute(db);
  const { rows } = await sql<{ archive_id: string }>`
    INSERT INTO mcp_archiver.archive_bundle (archive_id, format, user_id, job_id, storage_location, file_size, sha256, file_count)
    SELECT a.id, ${bundle.format}, ${bundle.userId}, ${bundle.jobId}, ${bundle.storageLocation}, ${bundle.fileSize}, ${bundle.sha256}, ${bundle.fileCount}
    FROM archive a WHERE a.id = ${bundle.archiveId} AND a.user_id = ${bundle.userId}
    ON CONFLICT (archive_id, format) DO UPDATE
    SET job_id = excluded.job_id, storage_location = excluded.storage_location, file_size = excluded.file_size,
        sha256 = excluded.sha256, file_count = excluded.file_count, created_at = now()
    RETURNING archive_id`.execute(db);
  const replaced = previous[0]?.location;
  return { recorded: rows.length > 0, ...(replaced && replaced !== bundle.storageLocation ? { replaced } : {}) };
}

/** What a bundle's manifest says about its archive. */
export interface BundleArchiveRow {
  id: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The archive when it is the user's; run acting as that user. */
export async function bundleArchive(db: Kysely<Database>, userId: string, archiveId: string): Promise<BundleArchiveRow | undefined> {
  const { rows } = await sql<{ id: string; name: string; description: string | null; created_at: Date; updated_at: Date }>`
    SELECT id, name, description, created_at, updated_at FROM archive WHERE id = ${archiveId} AND user_id = ${userId}`.execute(db);
  const row = rows[0];
  return row && { id: row.id, name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at };
}
