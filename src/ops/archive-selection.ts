import { sql, type Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import { fitDerivedName } from '../jobs/archive-naming.ts';

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

/** An archive name from the thread's title; the app leaves titles empty until it generates one. */
export function archiveNameFor(thread: { title: string; createdAt: Date }): string {
  const title = fitDerivedName(thread.title);
  return title || `Thread ${thread.createdAt.toISOString().slice(0, 10)}`;
}
