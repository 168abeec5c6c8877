import { sql, type Kysely } from 'kysely';

/**
 * The ZIP bundles of whole archives (`export_archive`): the newest bundle of each (archive, format). The row names
 * the bundle's object, which keeps the export garbage collection away from it; deleting the archive in the app
 * cascades to the row, and the next collection deletes the object.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE SCHEMA IF NOT EXISTS mcp_archiver;

    CREATE TABLE IF NOT EXISTS mcp_archiver.archive_bundle (
      archive_id uuid NOT NULL REFERENCES public.archive (id) ON DELETE CASCADE,
      format text NOT NULL,
      user_id uuid NOT NULL,
      job_id uuid NOT NULL,
      storage_location text NOT NULL,
      file_size bigint NOT NULL,
      sha256 text NOT NULL,
      file_count integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (archive_id, format),
      CONSTRAINT archive_bundle_format CHECK (format IN ('json', 'markdown', 'pdf')),
      CONSTRAINT archive_bundle_sha256 CHECK (sha256 ~ '^[0-9a-f]{64}$')
    );
    CREATE INDEX IF NOT EXISTS archive_bundle_location_idx ON mcp_archiver.archive_bundle (storage_location);

    -- Row-level security as migration 0005 sets it up for the archive tables.
    ALTER TABLE mcp_archiver.archive_bundle ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS everyone_unchanged ON mcp_archiver.archive_bundle;
    CREATE POLICY everyone_unchanged ON mcp_archiver.archive_bundle AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
  `.execute(db);
}
