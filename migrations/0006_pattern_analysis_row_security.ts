import { sql, type Kysely } from 'kysely';

/** Row-level security on the pattern-analysis history, as migration 0005 does for the archive tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE mcp_archiver.pattern_analysis ENABLE ROW LEVEL SECURITY;
    DO $$ BEGIN
      CREATE POLICY everyone_unchanged ON mcp_archiver.pattern_analysis AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
    EXCEPTION WHEN duplicate_object THEN NULL;
    END $$;
  `.execute(db);
}
