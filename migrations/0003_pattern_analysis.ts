import { sql, type Kysely } from 'kysely';

/**
 * The history of pattern analyses: one row per `analyze-patterns` run (scope, range, result, job).
 * `job_id` is unique so that a retried job never records its run twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE SCHEMA IF NOT EXISTS mcp_archiver;
    CREATE TABLE IF NOT EXISTS mcp_archiver.pattern_analysis (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      job_id uuid NOT NULL UNIQUE,
      -- 'all' (every user) or 'user' (user_id)
      scope text NOT NULL CHECK (scope IN ('all', 'user')),
      user_id uuid,
      range_start timestamptz NOT NULL,
      range_end timestamptz NOT NULL,
      trigger text NOT NULL,
      requested_by uuid,
      result jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((scope = 'user') = (user_id IS NOT NULL)),
      CHECK (range_start < range_end)
    );
    CREATE INDEX IF NOT EXISTS pattern_analysis_created_idx ON mcp_archiver.pattern_analysis (created_at DESC);
    CREATE INDEX IF NOT EXISTS pattern_analysis_user_idx ON mcp_archiver.pattern_analysis (user_id, created_at DESC) WHERE user_id IS NOT NULL;
  `.execute(db);
}
