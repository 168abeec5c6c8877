import { sql, type Kysely } from 'kysely';

/**
 * Adds the MCP columns to the host app's archive tables, plus the indexes the service's reads need.
 * Only nullable or defaulted columns, all IF NOT EXISTS: the app keeps working exactly as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE archive ADD COLUMN IF NOT EXISTS mcp_metadata json;
    ALTER TABLE archive ADD COLUMN IF NOT EXISTS mcp_server_id uuid;
    ALTER TABLE archive ADD COLUMN IF NOT EXISTS export_format varchar(50);
    ALTER TABLE archive ADD COLUMN IF NOT EXISTS storage_location text;
    ALTER TABLE archive ADD COLUMN IF NOT EXISTS file_size bigint;
    DO $$ BEGIN
      -- SET NULL: the app deletes mcp_server rows and must never be blocked by an archive that names one.
      ALTER TABLE archive ADD CONSTRAINT archive_mcp_server_id_fkey
        FOREIGN KEY (mcp_server_id) REFERENCES mcp_server(id) ON DELETE SET NULL;
    EXCEPTION WHEN duplicate_object THEN NULL;
    END $$;

    ALTER TABLE archive_item ADD COLUMN IF NOT EXISTS mcp_analysis json;
    ALTER TABLE archive_item ADD COLUMN IF NOT EXISTS tokens_count integer;
    ALTER TABLE archive_item ADD COLUMN IF NOT EXISTS content_summary text;
    ALTER TABLE archive_item ADD COLUMN IF NOT EXISTS item_type varchar(50) NOT NULL DEFAULT 'thread';
    ALTER TABLE archive_item ADD COLUMN IF NOT EXISTS metadata json;

    CREATE INDEX IF NOT EXISTS archive_mcp_server_id_idx ON archive (mcp_server_id);
    CREATE INDEX IF NOT EXISTS archive_export_format_idx ON archive (export_format);
    CREATE INDEX IF NOT EXISTS archive_user_id_idx ON archive (user_id, created_at DESC);
    CREATE INDEX IF NOT EXISTS archive_item_archive_id_idx ON archive_item (archive_id);
    CREATE INDEX IF NOT EXISTS chat_thread_user_id_idx ON chat_thread (user_id, created_at);
    CREATE INDEX IF NOT EXISTS chat_message_thread_id_created_at_idx ON chat_message (thread_id, created_at, id);
    CREATE INDEX IF NOT EXISTS chat_message_created_at_idx ON chat_message (created_at);

    -- One item per (archive, thread) among the rows the service writes, so a retried job cannot duplicate;
    -- rows the app wrote (which may already hold duplicates) are left out of the constraint.
    CREATE UNIQUE INDEX IF NOT EXISTS archive_item_service_unique
      ON archive_item (archive_id, item_id)
      WHERE (metadata ->> 'writer') = 'chat-archiver';
  `.execute(db);
}
