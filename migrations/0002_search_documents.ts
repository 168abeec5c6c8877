import { sql, type Kysely } from 'kysely';

/**
 * Full-text search over archived items: one document per archive item, in the service's own schema.
 * Accent-insensitive English and French configurations (unaccent, then the language's stemmer).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE SCHEMA IF NOT EXISTS mcp_archiver;
    -- unaccent is a trusted extension (PostgreSQL 13+): the database owner may create it.
    CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA mcp_archiver;

    DO $$
    DECLARE
      dict text := (SELECT format('%I.unaccent', n.nspname) FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
                    WHERE d.dictname = 'unaccent' LIMIT 1);
      lang text;
    BEGIN
      FOREACH lang IN ARRAY ARRAY['english', 'french', 'simple'] LOOP
        IF to_regnamespace('mcp_archiver') IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
          WHERE n.nspname = 'mcp_archiver' AND c.cfgname = lang || '_unaccent') THEN
          EXECUTE format('CREATE TEXT SEARCH CONFIGURATION mcp_archiver.%I (COPY = pg_catalog.%I)', lang || '_unaccent', lang);
          EXECUTE format('ALTER TEXT SEARCH CONFIGURATION mcp_archiver.%I ALTER MAPPING FOR hword, hword_part, word WITH %s, %s',
                         lang || '_unaccent', dict, CASE lang WHEN 'simple' THEN 'simple' ELSE lang || '_stem' END);
        END IF;
      END LOOP;
    END $$;

    CREATE TABLE IF NOT EXISTS mcp_archiver.search_document (
      archive_item_id uuid PRIMARY KEY REFERENCES public.archive_item (id) ON DELETE CASCADE,
      archive_id uuid NOT NULL REFERENCES public.archive (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      thread_id uuid NOT NULL,
      thread_title text NOT NULL,
      archive_name text NOT NULL,
      language text NOT NULL DEFAULT 'simple',
      -- Capped archived text, kept for ts_headline snippets.
      body text NOT NULL,
      document tsvector NOT NULL,
      tokens_count integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS search_document_document_idx ON mcp_archiver.search_document USING gin (document);
    CREATE INDEX IF NOT EXISTS search_document_user_idx ON mcp_archiver.search_document (user_id, created_at DESC);
    CREATE INDEX IF NOT EXISTS search_document_archive_idx ON mcp_archiver.search_document (archive_id);
  `.execute(db);
}
