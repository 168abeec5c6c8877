import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';

export interface ThreadMessage {
  id: string;
  role: string;
  /** `json[]` as stored: parsed elements, or null. */
  parts: unknown[] | null;
  metadata: unknown;
  createdAt: Date;
}

export const DEFAULT_PAGE_SIZE = 500;
/** Bytes of stored JSON (parts and metadata) per page: a page of huge messages holds a few of them, not 500. */
export const DEFAULT_PAGE_BYTES = 8 * 1024 * 1024;

export interface ThreadPaging {
  /** Most rows per page. */
  readonly rows: number;
  /** Most bytes of `parts` and `metadata` JSON text per page (`octet_length`); a page holds one row at least. */
  readonly bytes: number;
}

/**
 * A thread's messages in conversation order (created_at, then id), one page at a time, so a thread of any length and
 * any message size is read in bounded memory: a page ends at `paging.rows` rows or once its rows' JSON would pass
 * `paging.bytes`. Keyset paging on the (thread_id, created_at, id) index; the cursor keeps created_at as
 * PostgreSQL's own text, since a JS Date would drop its microseconds and repeat or skip rows.
 */
export async function* readThreadMessages(
  db: Kysely<Database>,
  threadId: string,
  paging: ThreadPaging = { rows: DEFAULT_PAGE_SIZE, bytes: DEFAULT_PAGE_BYTES },
): AsyncGenerator<ThreadMessage[]> {
  let cursor: { at: string; id: string } | undefined;
  for (;;) {
    const after = cursor ? sql`AND (created_at, id) > (${cursor.at}::timestamp, ${cursor.id})` : sql``;
    // The sizes are summed over the next `rows` rows on the server; only the rows within the budget are sent.
    // Parts come as one JSON document: node-postgres parses a json[] literal character by character in JavaScript
    // (600 ms for a 2 MB message), a json value with the native JSON.parse (17 ms).
    const { rows } = await sql<{
      id: string;
      role: string;
      parts: unknown[] | null;
      metadata: unknown;
      created_at: Date;
      at: string;
      last_candidate: boolean;
    }>`
      SELECT m.id, m.role, array_to_json(m.parts) AS parts, m.metadata, m.created_at, sized.at, sized.n = sized.candidates AS last_candidate
      FROM (
        SELECT id, created_at::text AS at, row_number() OVER w AS n, count(*) OVER () AS candidates,
               sum(coalesce(octet_length(parts::text), 0) + coalesce(octet_length(metadata::text), 0)) OVER w AS running
        FROM (SELECT id, created_at, parts, metadata FROM chat_message
              WHERE thread_id = ${threadId} ${after}
              ORDER BY created_at, id LIMIT ${paging.rows}) candidates
        WINDOW w AS (ORDER BY created_at, id ROWS UNBOUNDED PRECEDING)
      ) sized JOIN chat_message m ON m.id = sized.id
      WHERE sized.n = 1 OR sized.running <= ${paging.bytes}
      ORDER BY sized.n`.execute(db);
    if (rows.length === 0) return;
    yield rows.map((row) => ({ id: row.id, role: row.role, parts: row.parts, metadata: row.metadata, createdAt: row.created_at }));
    const last = rows[rows.length - 1]!;
    // The page took every candidate and there were fewer than asked: the thread is done.
    if (last.last_candidate && rows.length < paging.rows) return;
    cursor = { at: last.at, id: last.id };
  }
}

/**
 * What an archive job needs to know of its thread, in one round trip: title and owner, and the owner's MCP server
 * row of `serverName` (the lowest id when several share the name), or undefined when the thread does not exist.
 */
export async function threadToArchive(
  db: Kysely<Database>,
  threadId: string,
  serverName: string,
): Promise<{ title: string; userId: string; mcpServerId: string | null } | undefined> {
  const row = await db
    .selectFrom('chat_thread as t')
    .select((eb) => [
      't.title',
      't.user_id',
      eb
        .selectFrom('mcp_server as s')
        .select('s.id')
        .whereRef('s.user_id', '=', 't.user_id')
        .where('s.name', '=', serverName)
        .orderBy('s.id')
        .limit(1)
        .as('mcp_server_id'),
    ])
    .where('t.id', '=', threadId)
    .executeTakeFirst();
  return row && { title: row.title, userId: row.user_id, mcpServerId: row.mcp_server_id ?? null };
}

export async function userOwnsThread(db: Kysely<Database>, userId: string, threadId: string): Promise<boolean> {
  const row = await db.selectFrom('chat_thread').select('id').where('id', '=', threadId).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}
