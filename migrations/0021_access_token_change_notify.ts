import { sql, type Kysely } from 'kysely';

/**
 * Announces every change that can withdraw a token (revoked, expiry, admin flag, owner, deleted) on the channel the
 * MCP server's token cache listens to (ACCESS_TOKEN_CHANGED_CHANNEL in src/mcp/token-check-cache.ts), with the
 * token's id as payload, whoever makes the change: the CLI, the app, or plain SQL. `last_used_at` updates stay silent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION mcp_archiver.notify_access_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('chat_archiver_access_token_changed', OLD.id::text);
      RETURN NULL;
    END
    $$;

    DROP TRIGGER IF EXISTS access_token_changed_notify ON mcp_archiver.access_token;
    CREATE TRIGGER access_token_changed_notify AFTER UPDATE ON mcp_archiver.access_token FOR EACH ROW
      WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
        OR OLD.admin IS DISTINCT FROM NEW.admin OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
      EXECUTE FUNCTION mcp_archiver.notify_access_token_changed();

    DROP TRIGGER IF EXISTS access_token_deleted_notify ON mcp_archiver.access_token;
    CREATE TRIGGER access_token_deleted_notify AFTER DELETE ON mcp_archiver.access_token FOR EACH ROW
      EXECUTE FUNCTION mcp_archiver.notify_access_token_changed();
  `.execute(db);
}
