import { PGBOSS_SCHEMA, SERVICE_SCHEMA } from './schemas.ts';

/**
 * Everything the service role may do, and why: the allow-list `migrate` grants from and
 * test/security/role-privileges.test.ts compares with the database's effective privileges (every table and column
 * of every schema). A grant that is not here is revoked by `migrate` and fails that test.
 *
 * Host tables are granted column by column, exactly what the code reads or writes: a column added to the app's
 * tables later (or one holding secrets, as `mcp_server.config` does) stays out of reach. New columns join the list
 * with their reason, in the same commit as the code that reads them.
 */

/** Privileges PostgreSQL grants per column. */
export type ColumnPrivilege = 'SELECT' | 'INSERT' | 'UPDATE';
/** Privileges PostgreSQL grants only on a whole table. */
export type TablePrivilege = ColumnPrivilege | 'DELETE' | 'TRUNCATE';

/** column → privilege → reason. The column `*` stands for the whole table (every column, present and future). */
export type TableAllowance = Record<string, Partial<Record<TablePrivilege, string>>>;

const AGENT_SNAPSHOT = 'archive_agent snapshots the agent row; the pattern analysis names agents';
const WORKFLOW_SNAPSHOT = 'archive_workflow snapshots the workflow row; agent mentions resolve workflow names';
const WORKFLOW_STRUCTURE = 'archive_workflow: every node and edge is part of the re-importable structure';
const SCOPE = 'row-level security and every query filter on it (only the acting user\u2019s rows)';

/** Columns the role may read, all for one reason. */
function readableFor(reason: string, columns: readonly string[]): TableAllowance {
  return Object.fromEntries(columns.map((column) => [column, { SELECT: reason }]));
}

/** `schema.table` → its allowance. Only tables that exist are granted, so this may name tables of later migrations. */
export const ROLE_TABLE_PRIVILEGES: Record<string, TableAllowance> = {
  'public.chat_thread': {
    id: { SELECT: 'the thread to archive, and the key of its messages' },
    user_id: { SELECT: SCOPE },
    title: { SELECT: 'archive names, exports and the search document' },
    created_at: { SELECT: 'bulk archive selection (idle threads) and the pattern analysis per day' },
  },
  'public.chat_message': {
    id: { SELECT: 'keyset paging of a thread\u2019s messages' },
    thread_id: { SELECT: 'a thread\u2019s messages' },
    role: { SELECT: 'summaries, analysis, exports' },
    parts: { SELECT: 'the message text and tool calls' },
    metadata: { SELECT: 'model, provider, agent and token usage in the analyses' },
    created_at: { SELECT: 'conversation order and the analysed ranges' },
  },
  // archive_agent: the whole row is the snapshot; also agent names for agent ids in message metadata.
  'public.agent': readableFor(AGENT_SNAPSHOT, ['id', 'name', 'description', 'icon', 'user_id', 'instructions', 'visibility', 'created_at', 'updated_at']),
  'public.workflow': readableFor(WORKFLOW_SNAPSHOT, ['id', 'version', 'name', 'icon', 'description', 'is_published', 'visibility', 'user_id', 'created_at', 'updated_at']),
  // node_config is redacted before it is written.
  'public.workflow_node': readableFor(WORKFLOW_STRUCTURE, ['id', 'version', 'workflow_id', 'kind', 'name', 'description', 'ui_config', 'node_config', 'created_at', 'updated_at']),
  'public.workflow_edge': readableFor(WORKFLOW_STRUCTURE, ['id', 'version', 'workflow_id', 'source', 'target', 'ui_config', 'created_at']),
  'public.user': {
    // Not email, role or anything else: the usage report shows a name per user.
    id: { SELECT: 'the usage report joins its per-user totals to the user\u2019s name' },
    name: { SELECT: 'the usage report names the users it totals' },
  },
  'public.mcp_server': {
    id: { SELECT: 'archives record the app\u2019s registration of this service (archive.mcp_server_id)' },
    user_id: { SELECT: 'only the user\u2019s own registration is looked up' },
    name: { SELECT: 'the registration is found by the configured server name' },
    // Never `config`: it holds other users' MCP server URLs, headers and environment (API keys).
  },
  'public.archive': {
    id: { SELECT: 'archive reads', INSERT: 'a job\u2019s archive id is derived from its job id (retries write one archive)' },
    name: { SELECT: 'list_archives, get_archive, search documents', INSERT: 'the archive a job creates' },
    description: { SELECT: 'get_archive, search documents', INSERT: 'the archive a job creates' },
    user_id: { SELECT: SCOPE, INSERT: 'the archive belongs to the requesting user' },
    created_at: { SELECT: 'newest-first listing and its cursor' },
    updated_at: { SELECT: 'get_archive', UPDATE: 'every archiving run touches the archive' },
    mcp_metadata: { SELECT: 'get_archive', UPDATE: 'totals, checksum and analysis digest of the latest run' },
    mcp_server_id: { SELECT: 'get_archive', UPDATE: 'the registration that wrote the archive' },
    export_format: { SELECT: 'get_archive, the export resource', UPDATE: 'the latest export' },
    storage_location: { SELECT: 'the export resource', UPDATE: 'the latest export' },
    file_size: { SELECT: 'get_archive', UPDATE: 'the latest export' },
  },
  'public.archive_item': {
    id: { SELECT: 'item ids in get_archive and the search document key' },
    archive_id: { SELECT: 'an archive\u2019s items', INSERT: 'the item\u2019s archive' },
    item_id: { SELECT: 'the archived thread; bulk archive skips archived threads', INSERT: 'the archived thread' },
    user_id: { SELECT: SCOPE, INSERT: 'the item belongs to the requesting user', UPDATE: 'a re-archived item' },
    item_type: { SELECT: 'get_archive', INSERT: 'always `thread`', UPDATE: 'a re-archived item' },
    added_at: { SELECT: 'items newest first' },
    metadata: { SELECT: 'get_archive; the writer key of re-archived items', INSERT: 'job, export and title of the run', UPDATE: 'a re-archived item' },
    mcp_analysis: { SELECT: 'get_archive', INSERT: 'the thread\u2019s analysis', UPDATE: 'a re-archived item' },
    tokens_count: { SELECT: 'token totals', INSERT: 'the thread\u2019s token count', UPDATE: 'a re-archived item' },
    content_summary: { SELECT: 'get_archive', INSERT: 'the thread\u2019s summary', UPDATE: 'a re-archived item' },
  },
  'mcp_archiver.search_document': {
    '*': {
      SELECT: 'search_archives',
      INSERT: 'the worker indexes each archived item',
      UPDATE: 're-archiving an item replaces its document (items are never deleted by the service)',
    },
  },
  // The newest ZIP bundle of each (archive, format): replaced by the next one, forgotten by retention.
  'mcp_archiver.archive_bundle': {
    '*': {
      SELECT: 'get_job and download links name the bundle; the export GC keeps what a row names',
      INSERT: 'export_archive records the bundle it wrote',
      UPDATE: 'a newer bundle of the same archive and format replaces the row',
      DELETE: 'retention forgets bundles past their age',
    },
  },
  // The conversation index is the worker's own copy: it removes what the app deleted, and `search-index rebuild`
  // empties it (TRUNCATE: a million rows in milliseconds, not a long DELETE).
  'mcp_archiver.message_index_thread': {
    '*': { SELECT: 'search_conversations', INSERT: 'indexing', UPDATE: 're-indexing', DELETE: 'threads the app deleted', TRUNCATE: 'search-index rebuild' },
  },
  'mcp_archiver.message_index': {
    '*': { SELECT: 'search_conversations', INSERT: 'indexing', UPDATE: 're-indexing', DELETE: 'messages the app deleted', TRUNCATE: 'search-index rebuild' },
  },
  'mcp_archiver.message_index_word': {
    '*': { SELECT: 'search_conversations', INSERT: 'indexing', DELETE: 'words of re-indexed messages', TRUNCATE: 'search-index rebuild' },
  },
  'mcp_archiver.message_index_state': {
    // The pass's watermark and progress: one row, updated, never removed.
    '*': { SELECT: 'where the indexing pass stands', UPDATE: 'the pass\u2019s watermark and progress' },
  },
  'mcp_archiver.pattern_analysis': {
    '*': { SELECT: 'get_job shows a finished analysis; the report pages draw it', INSERT: 'the analysis history is appended by the worker, never rewritten' },
  },
  'mcp_archiver.pattern_report': {
    '*': { SELECT: 'a retried nightly run finds its archived report; the export clean-up keeps the files rows name', INSERT: 'the nightly run records where it archived the report' },
  },
  'mcp_archiver.access_token': {
    // Tokens are issued and revoked by the owner (CLI); the server only checks them and notes their last use.
    id: { SELECT: 'the caller\u2019s token id (audit, last use)' },
    user_id: { SELECT: 'the user a token acts for' },
    token_hash: { SELECT: 'a presented token is found by its hash' },
    admin: { SELECT: 'admin tokens may read other users\u2019 analyses' },
    expires_at: { SELECT: 'expired tokens are refused' },
    revoked_at: { SELECT: 'revoked tokens are refused' },
    last_used_at: { SELECT: 'last use is written at most once a minute', UPDATE: 'the token\u2019s last use' },
  },
  'mcp_archiver.audit_log': {
    // Append-only for the service: it can neither read back nor change the trail.
    '*': { INSERT: 'one row per MCP operation' },
  },
};

/** Schemas whose every table (present and future) the role may use: pg-boss creates its own, per queue. */
export const ROLE_SCHEMA_WIDE_PRIVILEGES: Record<string, Partial<Record<TablePrivilege, string>>> = {
  [PGBOSS_SCHEMA]: {
    SELECT: 'pg-boss fetches jobs; ops list them',
    INSERT: 'enqueueing jobs',
    UPDATE: 'job state changes',
    DELETE: 'pg-boss deletes its own finished jobs (the only DELETE the role has)',
  },
};

/**
 * Functions the role may call (EXECUTE), by signature. PostgreSQL lets PUBLIC execute a new function; these are
 * SECURITY DEFINER, so their migration revokes that and only the service role is granted.
 */
export const ROLE_FUNCTION_PRIVILEGES: Record<string, string> = {
  'mcp_archiver.matching_search_documents(uuid, tsquery, integer)':
    'search_archives: matches and ranks through the GIN index, confined to the acting user as the policy is',
  'mcp_archiver.matching_message_threads(uuid, tsquery, text, timestamp, timestamp, uuid, integer)':
    'search_conversations: matching threads ranked through the GIN index, confined to the acting user as the policy is',
  'mcp_archiver.similar_thread_titles(uuid, text, uuid, integer)':
    'search_conversations: typo-tolerant title matches through the trigram index, confined to the acting user as the policy is',
};

/** Schemas the role may look into (USAGE); it may create objects in none. */
export const ROLE_SCHEMA_USAGE: readonly string[] = ['public', SERVICE_SCHEMA, PGBOSS_SCHEMA];

export function splitTableName(qualified: string): { schema: string; table: string } {
  const [schema, table] = qualified.split('.');
  if (!schema || !table) throw new Error(`expected schema.table, got ${qualified}`);
  return { schema, table };
}
