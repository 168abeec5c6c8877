import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';

/** Which of a user's threads a many-thread archive takes, when not given by id. Times bound the last activity. */
export interface ConversationFilter {
  /** Last activity (last message, or creation without messages) before this instant. */
  before?: Date;
  /** Last activity at or after this instant. */
  after?: Date;
  /** Case-insensitive words that must all appear in the thread's title. */
  query?: string;
}

/** The ids among `threadIds` that exist and belong to the user (run acting as the user). */
export async function ownedThreadIds(trx: Transaction<Database>, userId: string, threadIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM chat_thread WHERE user_id = ${userId} AND id = ANY(${[...threadIds]}::uuid[])`.execute(trx);
  return new Set(rows.map((r) => r.id));
}

/**
 * The user's threads matching the filter, oldest activity first, at most `limit` (one more is read so the caller
 * can tell the filter matched too many). Title words are matched as literal substrings (LIKE wildcards escaped).
 */
export async function threadsMatching(
  trx: Transaction<Database>,
  userId: string,
  filter: ConversationFilter,
  limit: number,
): Promise<string[]> {
  const words = (filter.query ?? '').split(/\s+/).filter(Boolean).map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const { rows } = await sql<{ id: string }>`
    SELECT t.id
    FROM chat_thread t
    LEFT JOIN LATERAL (SELECT max(m.created_at) AS last_at FROM chat_message m WHERE m.thread_id = t.id) last ON true
    WHERE t.user_id = ${userId}
      AND (${filter.before ?? null}::timestamptz IS NULL OR COALESCE(last.last_at, t.created_at) < (${filter.before ?? null}::timestamptz AT TIME ZONE 'UTC'))
      AND (${filter.after ?? null}::timestamptz IS NULL OR COALESCE(last.last_at, t.created_at) >= (${filter.after ?? null}::timestamptz AT TIME ZONE 'UTC'))
      AND t.title ILIKE ALL(${words}::text[])
    ORDER BY COALESCE(last.last_at, t.created_at), t.id
    LIMIT ${limit + 1}`.execute(trx);
  return rows.map((r) => r.id);
}

/** Threads among `threadIds` that already have this service's item in the archive. */
export async function threadsInArchive(trx: Transaction<Database>, archiveId: string, threadIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await sql<{ item_id: string }>`
    SELECT DISTINCT item_id FROM archive_item
    WHERE archive_id = ${archiveId} AND item_id = ANY(${[...threadIds]}::uuid[]) AND (metadata ->> 'writer') = 'chat-archiver'`.execute(trx);
  return new Set(rows.map((r) => r.item_id));
}
