/**
 * DDL equivalent to better-chatbot v1.26's PostgreSQL schema (see shared HOST_SCHEMA.md), for demo data and tests.
 * It mirrors the app's quirks on purpose: timestamps without time zone, `json` (not jsonb), `chat_message.parts`
 * as a nullable `json[]`, text ids for messages, no UNIQUE(archive_id, item_id), few indexes.
 * Every statement is idempotent so it can run against a partially installed database.
 */
export const HOST_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS "user" (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  email text NOT NULL CONSTRAINT user_email_unique UNIQUE,
  email_verified boolean NOT NULL DEFAULT false,
  password text,
  image text,
  preferences json DEFAULT '{}',
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  banned boolean,
  ban_reason text,
  ban_expires timestamp,
  role text NOT NULL DEFAULT 'editor'
);

CREATE TABLE IF NOT EXISTS session (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  expires_at timestamp NOT NULL,
  token text NOT NULL CONSTRAINT session_token_unique UNIQUE,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  ip_address text,
  user_agent text,
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  impersonated_by text
);

CREATE TABLE IF NOT EXISTS account (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id text NOT NULL,
  provider_id text NOT NULL,
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  access_token text,
  refresh_token text,
  id_token text,
  access_token_expires_at timestamp,
  refresh_token_expires_at timestamp,
  scope text,
  password text,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS verification (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  identifier text NOT NULL,
  value text NOT NULL,
  expires_at timestamp NOT NULL,
  created_at timestamp,
  updated_at timestamp
);

CREATE TABLE IF NOT EXISTS chat_thread (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL,
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS chat_message (
  id text PRIMARY KEY,
  thread_id uuid NOT NULL REFERENCES chat_thread(id) ON DELETE CASCADE,
  role text NOT NULL,
  parts json[],
  metadata json,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS agent (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  icon json,
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  instructions json,
  visibility varchar NOT NULL DEFAULT 'private',
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS bookmark (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  item_id uuid NOT NULL,
  item_type varchar NOT NULL,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT bookmark_user_id_item_id_item_type_unique UNIQUE (user_id, item_id, item_type)
);
CREATE INDEX IF NOT EXISTS bookmark_user_id_idx ON bookmark (user_id);
CREATE INDEX IF NOT EXISTS bookmark_item_idx ON bookmark (item_id, item_type);

CREATE TABLE IF NOT EXISTS mcp_server (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  config json NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  visibility varchar NOT NULL DEFAULT 'private',
  tool_info json,
  tool_info_updated_at timestamp,
  last_connection_status varchar,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS mcp_server_custom_instructions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  mcp_server_id uuid NOT NULL REFERENCES mcp_server(id) ON DELETE CASCADE,
  prompt text,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT mcp_server_custom_instructions_user_id_mcp_server_id_unique UNIQUE (user_id, mcp_server_id)
);

CREATE TABLE IF NOT EXISTS mcp_server_tool_custom_instructions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  tool_name text NOT NULL,
  mcp_server_id uuid NOT NULL REFERENCES mcp_server(id) ON DELETE CASCADE,
  prompt text,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT mcp_server_tool_custom_instructions_user_id_tool_name_mcp_server_id_unique UNIQUE (user_id, tool_name, mcp_server_id)
);

CREATE TABLE IF NOT EXISTS mcp_oauth_session (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mcp_server_id uuid NOT NULL REFERENCES mcp_server(id) ON DELETE CASCADE,
  server_url text NOT NULL,
  client_info json,
  tokens json,
  code_verifier text,
  state text CONSTRAINT mcp_oauth_session_state_unique UNIQUE,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS mcp_oauth_session_server_id_idx ON mcp_oauth_session (mcp_server_id);
CREATE INDEX IF NOT EXISTS mcp_oauth_session_state_idx ON mcp_oauth_session (state);
CREATE INDEX IF NOT EXISTS mcp_oauth_session_tokens_idx ON mcp_oauth_session (mcp_server_id) WHERE tokens IS NOT NULL;

CREATE TABLE IF NOT EXISTS workflow (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version text NOT NULL DEFAULT '0.1.0',
  name text NOT NULL,
  icon json,
  description text,
  is_published boolean NOT NULL DEFAULT false,
  visibility varchar NOT NULL DEFAULT 'private',
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS workflow_node (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version text NOT NULL DEFAULT '0.1.0',
  workflow_id uuid NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
  kind text NOT NULL,
  name text NOT NULL,
  description text,
  ui_config json DEFAULT '{}',
  node_config json DEFAULT '{}',
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS workflow_node_kind_idx ON workflow_node (kind);

CREATE TABLE IF NOT EXISTS workflow_edge (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version text NOT NULL DEFAULT '0.1.0',
  workflow_id uuid NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
  source uuid NOT NULL REFERENCES workflow_node(id) ON DELETE CASCADE,
  target uuid NOT NULL REFERENCES workflow_node(id) ON DELETE CASCADE,
  ui_config json DEFAULT '{}',
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS archive (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS archive_item (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  archive_id uuid NOT NULL REFERENCES archive(id) ON DELETE CASCADE,
  item_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  added_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS archive_item_item_id_idx ON archive_item (item_id);

CREATE TABLE IF NOT EXISTS chat_export (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL,
  exporter_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  original_thread_id uuid,
  messages json NOT NULL,
  exported_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at timestamp
);

CREATE TABLE IF NOT EXISTS chat_export_comment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  export_id uuid NOT NULL REFERENCES chat_export(id) ON DELETE CASCADE,
  author_id uuid NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  parent_id uuid REFERENCES chat_export_comment(id) ON DELETE CASCADE,
  content json NOT NULL,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
`;
