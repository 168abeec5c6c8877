import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * kysely types for the tables chat-archiver touches. Host tables (better-chatbot, schema `public`) are the app's;
 * the service only reads chat data and writes archive rows plus the MCP columns its migration adds.
 * JSON columns come back as `unknown`: parse them with zod where they are read.
 */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string | undefined, string>;

export interface ChatThreadTable {
  id: Generated<string>;
  title: string;
  user_id: string;
  created_at: Timestamp;
}

export interface ChatMessageTable {
  id: string;
  thread_id: string;
  role: string;
  /** Postgres `json[]`: node-postgres returns it parsed as an array. */
  parts: ColumnType<unknown[] | null, string | null, string | null>;
  metadata: Json;
  created_at: Timestamp;
}

export interface AgentTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  user_id: string;
  visibility: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface McpServerTable {
  id: Generated<string>;
  name: string;
  user_id: string;
  enabled: Generated<boolean>;
  visibility: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowTable {
  id: Generated<string>;
  name: string;
  user_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ArchiveTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  user_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  mcp_metadata: Json | null;
  mcp_server_id: string | null;
  export_format: string | null;
  storage_location: string | null;
  file_size: ColumnType<string | null, number | bigint | null | undefined, number | bigint | null>;
}

export interface ArchiveItemTable {
  id: Generated<string>;
  archive_id: string;
  item_id: string;
  user_id: string;
  added_at: Timestamp;
  item_type: Generated<string>;
  metadata: Json | null;
  mcp_analysis: Json | null;
  tokens_count: number | null;
  content_summary: string | null;
}

export interface PatternAnalysisTable {
  id: Generated<string>;
  job_id: string;
  scope: 'all' | 'user';
  user_id: string | null;
  range_start: Timestamp;
  range_end: Timestamp;
  trigger: string;
  requested_by: string | null;
  /** jsonb: written as JSON text, read back parsed (parse it with zod). */
  result: Json;
  created_at: Generated<Date>;
}

export interface PatternReportTable {
  analysis_id: string;
  storage_location: string;
  /** bigint: node-postgres reads it as a string. */
  file_size: string | number;
  sha256: string;
  created_at: Generated<Date>;
}

export interface AccessTokenTable {
  id: Generated<string>;
  user_id: string;
  name: Generated<string>;
  /** SHA-256 of the token; the token itself is never stored. */
  token_hash: Buffer;
  admin: Generated<boolean>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AuditLogTable {
  id: ColumnType<string, never, never>;
  at: ColumnType<Date, Date | string | undefined, never>;
  operation: string;
  user_id: string | null;
  token_id: string | null;
  transport: string | null;
  job_id: string | null;
  outcome: string;
  duration_ms: number;
  detail: ColumnType<unknown, string | null | undefined, never>;
}

export interface Database {
  chat_thread: ChatThreadTable;
  chat_message: ChatMessageTable;
  agent: AgentTable;
  mcp_server: McpServerTable;
  workflow: WorkflowTable;
  archive: ArchiveTable;
  archive_item: ArchiveItemTable;
  'mcp_archiver.pattern_analysis': PatternAnalysisTable;
  'mcp_archiver.pattern_report': PatternReportTable;
  'mcp_archiver.access_token': AccessTokenTable;
  'mcp_archiver.audit_log': AuditLogTable;
}

export type ChatThread = Selectable<ChatThreadTable>;
export type ChatMessage = Selectable<ChatMessageTable>;
export type Archive = Selectable<ArchiveTable>;
export type ArchiveItem = Selectable<ArchiveItemTable>;
export type NewArchive = Insertable<ArchiveTable>;
export type NewArchiveItem = Insertable<ArchiveItemTable>;
