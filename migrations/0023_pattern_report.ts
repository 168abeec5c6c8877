import { sql, type Kysely } from 'kysely';

/**
 * Where the nightly run archived the HTML report of an analysis: one row beside its history row, in the export
 * store. A row of its own keeps the history append-only; deleting the history row forgets the file, which the
 * export garbage collection then removes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE IF NOT EXISTS mcp_archiver.pattern_report (
      analysis_id uuid PRIMARY KEY REFERENCES mcp_archiver.pattern_analysis (id) ON DELETE CASCADE,
      storage_location text NOT NULL,
      file_size bigint NOT NULL CHECK (file_size >= 0),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}
