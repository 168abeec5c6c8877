import { sql, type Kysely } from 'kysely';

/**
 * The search index over every conversation (not only archived ones), kept by the worker's scheduled pass:
 * one row per message (the role and time filters of search_conversations need message granularity), one row per
 * thread (its title, for typo-tolerant title matches), and each user's vocabulary (for typo-tolerant rare words).
 * No foreign key points at the app's tables: a foreign key puts triggers on chat_thread, and the app's schema stays
 * the app's. Deleted threads are filtered at query time and removed by the pass.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE SCHEMA IF NOT EXISTS mcp_archiver;
    -- Both trusted extensions: the database owner may create them.
    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA mcp_archiver;
    CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA mcp_archiver;

    CREATE TABLE IF NOT EXISTS mcp_archiver.message_index_thread (
      thread_id uuid PRIMARY KEY,
      user_id uuid NOT NULL,
      title text NOT NULL,
      -- Lower-case, accents removed: what typo-tolerant title matching compares (trigrams see accents as letters).
      title_key text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS message_index_thread_title_idx
      ON mcp_archiver.message_index_thread USING gin (user_id, title_key mcp_archiver.gin_trgm_ops);

    CREATE TABLE IF NOT EXISTS mcp_archiver.message_index (
      message_id text PRIMARY KEY,
      thread_id uuid NOT NULL REFERENCES mcp_archiver.message_index_thread (thread_id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      role text NOT NULL,
      -- The app's own clock and type (UTC in timestamp without time zone).
      created_at timestamp NOT NULL,
      model text,
      agent_id text,
      language text NOT NULL,
      -- md5 of the parts as PostgreSQL prints them: a rewritten message no longer matches.
      parts_hash bytea NOT NULL,
      document tsvector NOT NULL
    );
    CREATE INDEX IF NOT EXISTS message_index_user_document_idx
      ON mcp_archiver.message_index USING gin (user_id, document);
    CREATE INDEX IF NOT EXISTS message_index_thread_idx ON mcp_archiver.message_index (thread_id);

    CREATE TABLE IF NOT EXISTS mcp_archiver.message_index_word (
      user_id uuid NOT NULL,
      word text NOT NULL,
      PRIMARY KEY (user_id, word)
    );
    CREATE INDEX IF NOT EXISTS message_index_word_trgm_idx
      ON mcp_archiver.message_index_word USING gin (user_id, word mcp_archiver.gin_trgm_ops);

    -- One row: how far the pass got.
    CREATE TABLE IF NOT EXISTS mcp_archiver.message_index_state (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      -- The last (created_at, id) indexed in order; NULL until the backfill indexed its first batch.
      watermark_at timestamp,
      watermark_id text,
      backfill_started_at timestamptz,
      backfill_completed_at timestamptz,
      -- Where the rolling reconcile sweep over threads continues (edited and deleted messages).
      sweep_after uuid,
      last_pass_at timestamptz,
      last_pass jsonb
    );
    INSERT INTO mcp_archiver.message_index_state (singleton) VALUES (true) ON CONFLICT DO NOTHING;

    -- Per-user rows: the service role is confined to the user it acts for, as for search documents (0005).
    DO $$
    DECLARE t text;
    BEGIN
      FOREACH t IN ARRAY ARRAY['mcp_archiver.message_index_thread', 'mcp_archiver.message_index', 'mcp_archiver.message_index_word'] LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
        IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE format('%I.%I', schemaname, tablename)::regclass = t::regclass
                       AND policyname = 'everyone_unchanged') THEN
          EXECUTE format('CREATE POLICY everyone_unchanged ON %s AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true)', t);
        END IF;
      END LOOP;
    END $$;
  `.execute(db);
}
