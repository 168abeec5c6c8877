import { sql, type Kysely } from 'kysely';

/**
 * Bearer tokens for the MCP server over HTTP (only their SHA-256 is stored) and the audit log of every MCP
 * operation. The service role may read tokens and touch `last_used_at` only, and may append audit rows but never
 * change them (grants in src/db/service-role.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE SCHEMA IF NOT EXISTS mcp_archiver;

    CREATE TABLE IF NOT EXISTS mcp_archiver.access_token (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- Deleting a user in the app deletes their tokens; it is never blocked by them.
      user_id uuid NOT NULL REFERENCES public."user" (id) ON DELETE CASCADE,
      name text NOT NULL DEFAULT '',
      token_hash bytea NOT NULL,
      admin boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz,
      CONSTRAINT access_token_hash_length CHECK (octet_length(token_hash) = 32)
    );
    CREATE UNIQUE INDEX IF NOT EXISTS access_token_hash_idx ON mcp_archiver.access_token (token_hash);
    CREATE INDEX IF NOT EXISTS access_token_user_idx ON mcp_archiver.access_token (user_id);

    CREATE TABLE IF NOT EXISTS mcp_archiver.audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      -- A tool name, 'resource:<name>', or a CLI operation such as 'token.create'.
      operation text NOT NULL,
      -- No foreign key: the trail outlives the users it names.
      user_id uuid,
      token_id uuid,
      transport text,
      job_id text,
      outcome text NOT NULL,
      duration_ms integer NOT NULL DEFAULT 0,
      -- Ids and counts only, never message content.
      detail jsonb
    );
    CREATE INDEX IF NOT EXISTS audit_log_at_idx ON mcp_archiver.audit_log (at);
    CREATE INDEX IF NOT EXISTS audit_log_user_at_idx ON mcp_archiver.audit_log (user_id, at);
  `.execute(db);
}
