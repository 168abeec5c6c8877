import { sql, type Kysely, type Transaction } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';

export interface ThreadToArchive {
  threadId: string;
  userId: string;
  title: string;
  createdAt: Date;
  /** Last message, or the thread's creation when it has none. */
  lastActivity: Date;
}

export interface ThreadSelection {
  /** One user's threads; absent = every user's. */
  userId?: string;
  /** Only threads whose last activity is before this instant. */
  idleSince?: Date;
  /** Also threads already in some archive (by default a re-run does not archive them again). */
  includeArchived?: boolean;
}

/**
 * The threads a bulk archive covers, oldest activity first. Reads archive_item to skip archived threads, so it runs
 * acting for the system (all users).
 */
export async function selectThreadsToArchive(db: Kysely<Database>, selection: ThreadSelection): Promise<ThreadToArchive[]> {
  return actingAs(db, { system: true }, async (trx) => {
    let query = trx
      .selectFrom('chat_thread as t')
      .leftJoinLateral(
        (eb) => eb.selectFrom('chat_message as m').whereRef('m.thread_id', '=', 't.id').select((e) => e.fn.max('m.created_at').as('last_at')).as('last'),
        (join) => join.onTrue(),
      )
      .select(['t.id', 't.user_id', 't.title', 't.created_at', sql<Date>`COALESCE(last.last_at, t.created_at)`.as('last_activity')]);
    if (selection.userId) query = query.where('t.user_id', '=', selection.userId);
    if (selection.idleSince) query = query.where(sql<Date>`COALESCE(last.last_at, t.created_at)`, '<', selection.idleSince);
    if (!selection.includeArchived) {
      query = query.where(({ not, exists, selectFrom }) => not(exists(selectFrom('archive_item as ai').select(sql`1`.as('one')).whereRef('ai.item_id', '=', 't.id'))));
    }
    const rows = await query.orderBy('last_activity').orderBy('t.id').execute();
    return rows.map((r) => ({ threadId: r.id, userId: r.user_id, title: r.title, createdAt: r.created_at, lastActivity: new Date(r.last_activity) }));
  });
}

export async function findThread(db: Kysely<Database>, threadId: string): Promise<{ threadId: string; userId: string; title: string; createdAt: Date } | undefined> {
  const row = await db.selectFrom('chat_thread').select(['id', 'user_id', 'title', 'created_at']).where('id', '=', threadId).executeTakeFirst();
  return row && { threadId: row.id, userId: row.user_id, title: row.title, createdAt: row.created_at };
}

/** Whether the user has any conversation: the service role cannot read the user table itself. */
export async function userHasThreads(db: Kysely<Database>, userId: string): Promise<boolean> {
  const row = await db.selectFrom('chat_thread').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst();
  return row !== undefined;
}

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
