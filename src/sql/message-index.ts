import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { IndexableMessage, MessageIndexEntry } from '../search/message-index-entry.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface IndexWatermark {
  /** created_at as PostgreSQL prints it (microseconds kept). */
  at: string;
  id: string;
}

export interface IndexState {
  watermark: IndexWatermark | null;
  backfillStartedAt: Date | null;
  backfillCompletedAt: Date | null;
  sweepAfter: string | null;
  lastPassAt: Date | null;
  lastPass: unknown;
}

interface StateRow {
  watermark_at: string | null;
  watermark_id: string | null;
  backfill_started_at: Date | null;
  backfill_completed_at: Date | null;
  sweep_after: string | null;
  last_pass_at: Date | null;
  last_pass: unknown;
}

/** Reads the pass's state; `lock` holds the row until the transaction ends, so passes and a rebuild serialise. */
export async function readIndexState(db: Executor, options: { lock?: boolean } = {}): Promise<IndexState> {
  const { rows } = await sql<StateRow>`
    SELECT watermark_at::text AS watermark_at, watermark_id, backfill_started_at, backfill_completed_at, sweep_after,
           last_pass_at, last_pass
    FROM mcp_archiver.message_index_state WHERE singleton
    ${options.lock ? sql`FOR UPDATE` : sql``}`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('mcp_archiver.message_index_state has no row: run `chat-archiver migrate`');
  return {
    watermark: row.watermark_at !== null && row.watermark_id !== null ? { at: row.watermark_at, id: row.watermark_id } : null,
    backfillStartedAt: row.backfill_started_at,
    backfillCompletedAt: row.backfill_completed_at,
    sweepAfter: row.sweep_after,
    lastPassAt: row.last_pass_at,
    lastPass: row.last_pass,
  };
}

export async function saveWatermark(db: Executor, watermark: IndexWatermark): Promise<void> {
  await sql`
    UPDATE mcp_archiver.message_index_state
    SET watermark_at = ${watermark.at}::timestamp, watermark_id = ${watermark.id},
        backfill_started_at = coalesce(backfill_started_at, now())
    WHERE singleton`.execute(db);
}

export async function markBackfillCompleted(db: Executor): Promise<void> {
  await sql`
    UPDATE mcp_archiver.message_index_state
    SET backfill_started_at = coalesce(backfill_started_at, now()), backfill_completed_at = now()
    WHERE singleton AND backfill_completed_at IS NULL`.execute(db);
}

export async function saveSweepCursor(db: Executor, after: string | null): Promise<void> {
  await sql`UPDATE mcp_archiver.message_index_state SET sweep_after = ${after}::uuid WHERE singleton`.execute(db);
}

export async function saveLastPass(db: Executor, summary: object): Promise<void> {
  await sql`
    UPDATE mcp_archiver.message_index_state SET last_pass_at = now(), last_pass = ${JSON.stringify(summary)}::jsonb
    WHERE singleton`.execute(db);
}

/** Empties the index and its state: the next pass backfills from the start. */
export async function resetIndex(db: Executor): Promise<void> {
  await sql`TRUNCATE mcp_archiver.message_index, mcp_archiver.message_index_thread, mcp_archiver.message_index_word`.execute(db);
  await sql`
    UPDATE mcp_archiver.message_index_state
    SET watermark_at = NULL, watermark_id = NULL, backfill_started_at = NULL, backfill_completed_at = NULL,
        sweep_after = NULL
    WHERE singleton`.execute(db);
}

interface MessageRow {
  id: string;
  thread_id: string;
  user_id: string;
  title: string;
  role: string;
  parts: unknown;
  metadata: unknown;
  at: string;
  parts_hash: string;
}

const toMessage = (row: MessageRow): IndexableMessage => ({
  id: row.id,
  threadId: row.thread_id,
  userId: row.user_id,
  threadTitle: row.title,
  role: row.role,
  parts: row.parts,
  metadata: row.metadata,
  createdAt: row.at,
  partsHash: row.parts_hash,
});

const partsHash = sql`md5(coalesce(m.parts::text, ''))`;

/** The next messages after the watermark in (created_at, id) order, on the app's created_at index. */
export async function readMessagesAfter(db: Executor, watermark: IndexWatermark | null, limit: number): Promise<IndexableMessage[]> {
  const after = watermark
    ? sql`WHERE m.created_at >= ${watermark.at}::timestamp AND (m.created_at, m.id) > (${watermark.at}::timestamp, ${watermark.id})`
    : sql``;
  const { rows } = await sql<MessageRow>`
    SELECT m.id, m.thread_id, t.user_id, t.title, m.role, m.parts, m.metadata, m.created_at::text AS at,
           ${partsHash} AS parts_hash
    FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id
    ${after}
    ORDER BY m.created_at, m.id
    LIMIT ${limit}`.execute(db);
  return rows.map(toMessage);
}

/** Messages with their thread's owner and title, beside their index row (`i`, null when not indexed yet). */
const messagesBesideTheirIndexRow = sql`
    SELECT m.id, m.thread_id, t.user_id, t.title, m.role, m.parts, m.metadata, m.created_at::text AS at,
           ${partsHash} AS parts_hash
    FROM chat_message m
    JOIN chat_thread t ON t.id = m.thread_id
    LEFT JOIN mcp_archiver.message_index i ON i.message_id = m.id`;

/**
 * Messages at or before the watermark, from `since` on, that the index lacks or holds with other parts: a
 * transaction the app committed late (its created_at behind the watermark already), or a message it rewrote.
 */
export async function readMissedOrChangedSince(db: Executor, since: string, watermark: IndexWatermark, limit: number): Promise<IndexableMessage[]> {
  const { rows } = await sql<MessageRow>`
    ${messagesBesideTheirIndexRow}
    WHERE m.created_at >= ${since}::timestamp AND (m.created_at, m.id) <= (${watermark.at}::timestamp, ${watermark.id})
      AND (i.message_id IS NULL OR i.parts_hash <> decode(${partsHash}, 'hex'))
    LIMIT ${limit}`.execute(db);
  return rows.map(toMessage);
}

export interface SweepSlice {
  threadIds: string[];
  changed: IndexableMessage[];
  /** Index rows of these threads whose message the app deleted (or moved to another thread). */
  goneMessageIds: string[];
}

/**
 * The next `threads` threads after `after` (by id): those of their messages up to the watermark that the index
 * lacks or holds with other parts, and the index rows of these threads whose message is gone (deleted, or moved to
 * another thread). One hash join of both sides of the slice by message id: a lookup per message on each side, in
 * two statements, cost about twice as much. The slice moves on every pass, so every thread is checked in turn.
 */
export async function readSweepSlice(db: Executor, after: string | null, threads: number, watermark: IndexWatermark): Promise<SweepSlice> {
  const { rows: slice } = await sql<{ id: string }>`
    SELECT id FROM chat_thread ${after ? sql`WHERE id > ${after}::uuid` : sql``} ORDER BY id LIMIT ${threads}`.execute(db);
  const threadIds = slice.map((r) => r.id);
  if (threadIds.length === 0) return { threadIds, changed: [], goneMessageIds: [] };
  const { rows } = await sql<Partial<MessageRow> & { gone_message_id: string | null }>`
    WITH app AS (
      SELECT m.id, m.thread_id, t.user_id, t.title, m.role, m.parts, m.metadata, m.created_at::text AS at,
             ${partsHash} AS parts_hash, (m.created_at, m.id) <= (${watermark.at}::timestamp, ${watermark.id}) AS behind
      FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id AND t.id = ANY(${threadIds}::uuid[])
      WHERE m.thread_id = ANY(${threadIds}::uuid[])
    ),
    indexed AS (
      SELECT i.message_id, i.thread_id, i.parts_hash FROM mcp_archiver.message_index i WHERE i.thread_id = ANY(${threadIds}::uuid[])
    )
    SELECT app.id, app.thread_id, app.user_id, app.title, app.role, app.parts, app.metadata, app.at, app.parts_hash,
           CASE WHEN app.id IS NULL THEN indexed.message_id END AS gone_message_id
    FROM app FULL JOIN indexed ON indexed.message_id = app.id AND indexed.thread_id = app.thread_id
    WHERE app.id IS NULL
       OR (app.behind AND (indexed.message_id IS NULL OR indexed.parts_hash <> decode(app.parts_hash, 'hex')))`.execute(db);
  const changed: IndexableMessage[] = [];
  const goneMessageIds: string[] = [];
  for (const row of rows) {
    if (row.gone_message_id !== null) goneMessageIds.push(row.gone_message_id);
    else changed.push(toMessage(row as MessageRow));
  }
  return { threadIds, changed, goneMessageIds };
}

/** Index rows of messages the app deleted, by message id, within the threads swept. */
export async function removeIndexedMessages(db: Executor, threadIds: string[], messageIds: string[]): Promise<number> {
  if (messageIds.length === 0) return 0;
  const result = await sql`
    DELETE FROM mcp_archiver.message_index
    WHERE message_id = ANY(${messageIds}::text[]) AND thread_id = ANY(${threadIds}::uuid[])`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Threads the app deleted leave the index, with their messages. */
export async function removeDeletedThreads(db: Executor): Promise<{ threads: number; messages: number }> {
  const { rows } = await sql<{ threads: number; messages: number }>`
    WITH gone AS (
      DELETE FROM mcp_archiver.message_index_thread i
      WHERE NOT EXISTS (SELECT 1 FROM chat_thread t WHERE t.id = i.thread_id)
      RETURNING i.thread_id
    ),
    messages AS (
      DELETE FROM mcp_archiver.message_index m USING gone WHERE m.thread_id = gone.thread_id RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone)::int AS threads, (SELECT count(*) FROM messages)::int AS messages`.execute(db);
  return rows[0] ?? { threads: 0, messages: 0 };
}

/** Titles and owners the app changed since they were indexed. */
export async function refreshThreads(db: Executor): Promise<number> {
  const result = await sql`
    UPDATE mcp_archiver.message_index_thread i SET title = t.title, title_key = ${titleKey(sql`t.title`)}, user_id = t.user_id
    FROM chat_thread t
    WHERE t.id = i.thread_id AND (t.title IS DISTINCT FROM i.title OR t.user_id IS DISTINCT FROM i.user_id)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Lower-case, accents removed: the form trigram matching compares. */
export const titleKey = (text: RawBuilder<unknown>) => sql`lower(mcp_archiver.unaccent(${text}))`;

// The stemmer(s) a document is built with, by the entry's language ('simple': both).
const documentOf = (text: RawBuilder<unknown>) => sql`
  CASE e.language
    WHEN 'english' THEN to_tsvector('mcp_archiver.english_unaccent', ${text})
    WHEN 'french' THEN to_tsvector('mcp_archiver.french_unaccent', ${text})
    ELSE to_tsvector('mcp_archiver.english_unaccent', ${text}) || to_tsvector('mcp_archiver.french_unaccent', ${text})
  END`;

export interface IndexWriteOptions {
  /**
   * `new`: messages from the watermark on, which the index cannot hold yet (a plain insert: ON CONFLICT's
   * speculative insertion cost a third more per row). `replace`: messages it may hold in an older version.
   */
  mode: 'new' | 'replace';
  /** (user, word) pairs already stored, `${userId} ${word}`: not sent again. Grows with what this call stores. */
  knownWords?: Set<string>;
}

/**
 * Writes index entries, their threads, and their words, in the caller's transaction.
 * Returns how many messages were written.
 */
export async function writeIndexEntries(
  db: Executor,
  entries: readonly MessageIndexEntry[],
  threads: ReadonlyMap<string, { userId: string; title: string }>,
  options: IndexWriteOptions,
): Promise<number> {
  if (entries.length === 0) return 0;
  const threadIds = [...threads.keys()];
  await sql`
    INSERT INTO mcp_archiver.message_index_thread (thread_id, user_id, title, title_key)
    SELECT t.thread_id, t.user_id, t.title, ${titleKey(sql`t.title`)}
    FROM unnest(${threadIds}::uuid[], ${threadIds.map((id) => threads.get(id)!.userId)}::uuid[],
                ${threadIds.map((id) => threads.get(id)!.title)}::text[]) AS t(thread_id, user_id, title)
    ON CONFLICT (thread_id) DO UPDATE SET user_id = excluded.user_id, title = excluded.title, title_key = excluded.title_key
    WHERE (message_index_thread.user_id, message_index_thread.title) IS DISTINCT FROM (excluded.user_id, excluded.title)`.execute(db);
  const column = <T>(pick: (e: MessageIndexEntry) => T) => entries.map(pick);
  await sql`
    INSERT INTO mcp_archiver.message_index
      (message_id, thread_id, user_id, role, created_at, model, agent_id, language, parts_hash, document)
    SELECT e.message_id, e.thread_id, e.user_id, e.role, e.created_at, e.model, e.agent_id, e.language,
           decode(e.parts_hash, 'hex'), ${documentOf(sql`e.body`)}
    FROM unnest(${column((e) => e.messageId)}::text[], ${column((e) => e.threadId)}::uuid[], ${column((e) => e.userId)}::uuid[],
                ${column((e) => e.role)}::text[], ${column((e) => e.createdAt)}::timestamp[], ${column((e) => e.model)}::text[],
                ${column((e) => e.agentId)}::text[], ${column((e) => e.language)}::text[], ${column((e) => e.partsHash)}::text[],
                ${column((e) => e.text)}::text[])
      AS e(message_id, thread_id, user_id, role, created_at, model, agent_id, language, parts_hash, body)
    -- A batch holds every user's newest messages interleaved; written user by user and thread by thread, a user's
    -- rows share heap pages, and a search reads a few thousand pages instead of one page per match (measured at
    -- 1,000,000 messages: the searching user's 100,000 rows on 5,300 pages instead of 39,000).
    ORDER BY e.user_id, e.thread_id, e.created_at, e.message_id
    ${
      options.mode === 'replace'
        ? sql`ON CONFLICT (message_id) DO UPDATE SET
      thread_id = excluded.thread_id, user_id = excluded.user_id, role = excluded.role, created_at = excluded.created_at,
      model = excluded.model, agent_id = excluded.agent_id, language = excluded.language, parts_hash = excluded.parts_hash,
      document = excluded.document`
        : sql``
    }`.execute(db);
  const wordUsers: string[] = [];
  const words: string[] = [];
  const known = options.knownWords ?? new Set<string>();
  for (const entry of entries) {
    for (const word of entry.words) {
      const key = `${entry.userId} ${word}`;
      if (known.has(key)) continue;
      known.add(key);
      wordUsers.push(entry.userId);
      words.push(word);
    }
  }
  if (words.length > 0) {
    await sql`
      INSERT INTO mcp_archiver.message_index_word (user_id, word)
      SELECT * FROM unnest(${wordUsers}::uuid[], ${words}::text[])
      ON CONFLICT DO NOTHING`.execute(db);
  }
  return entries.length;
}

export interface IndexCounts {
  messages: number;
  threads: number;
  words: number;
  /** The app's messages, for progress. */
  sourceMessages: number;
  /** The app's messages created after the watermark: what the next pass has to index. */
  pending: number;
  indexBytes: number;
}

export async function readIndexCounts(db: Executor, watermark: IndexWatermark | null): Promise<IndexCounts> {
  const pending = watermark
    ? sql`(SELECT count(*) FROM chat_message m WHERE m.created_at >= ${watermark.at}::timestamp
              AND (m.created_at, m.id) > (${watermark.at}::timestamp, ${watermark.id}))`
    : sql`(SELECT count(*) FROM chat_message)`;
  const { rows } = await sql<{ messages: string; threads: string; words: string; source: string; pending: string; bytes: string }>`
    SELECT (SELECT count(*) FROM mcp_archiver.message_index) AS messages,
           (SELECT count(*) FROM mcp_archiver.message_index_thread) AS threads,
           (SELECT count(*) FROM mcp_archiver.message_index_word) AS words,
           (SELECT count(*) FROM chat_message) AS source,
           ${pending} AS pending,
           (pg_total_relation_size('mcp_archiver.message_index') + pg_total_relation_size('mcp_archiver.message_index_thread')
            + pg_total_relation_size('mcp_archiver.message_index_word')) AS bytes`.execute(db);
  const row = rows[0]!;
  return {
    messages: Number(row.messages),
    threads: Number(row.threads),
    words: Number(row.words),
    sourceMessages: Number(row.source),
    pending: Number(row.pending),
    indexBytes: Number(row.bytes),
  };
}
