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

/**
 * A thread's messages in conversation order (created_at, then id), one page at a time, so a thread of any length
 * is read in bounded memory. Keyset paging on the (thread_id, created_at, id) index; the cursor keeps created_at
 * as PostgreSQL's own text, since a JS Date would drop its microseconds and repeat or skip rows.
 */
export async function* readThreadMessages(
  db: Kysely<Database>,
  threadId: string,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<ThreadMessage[]> {
  let cursor: { at: string; id: string } | undefined;
  for (;;) {
    const after = cursor ? sql`AND (created_at, id) > (${cursor.at}::timestamp, ${cursor.id})` : sql``;
    const { rows } = await sql<{ id: string; role: string; parts: unknown[] | null; metadata: unknown; created_at: Date; at: string }>`
      SELECT id, role, parts, metadata, created_at, created_at::text AS at
      FROM chat_message
      WHERE thread_id = ${threadId} ${after}
      ORDER BY created_at, id
      LIMIT ${pageSize}`.execute(db);
    if (rows.length === 0) return;
    yield rows.map((row) => ({ id: row.id, role: row.role, parts: row.parts, metadata: row.metadata, createdAt: row.created_at }));
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    cursor = { at: last.at, id: last.id };
  }
}

/** The thread's title and owner, or undefined. */
export async function threadOwnership(db: Kysely<Database>, threadId: string): Promise<{ title: string; userId: string } | undefined> {
  const row = await db.selectFrom('chat_thread').select(['title', 'user_id']).where('id', '=', threadId).executeTakeFirst();
  return row && { title: row.title, userId: row.user_id };
}

export async function userOwnsThread(db: Kysely<Database>, userId: string, threadId: string): Promise<boolean> {
  const row = await db.selectFrom('chat_thread').select('id').where('id', '=', threadId).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}
