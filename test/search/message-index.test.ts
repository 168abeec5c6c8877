import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actingAs } from '../../src/db/acting-user.ts';
import { createLogger } from '../../src/logger.ts';
import { searchConversations, type ConversationSearchOptions } from '../../src/search/conversation-search.ts';
import { websearchQuery } from '../../src/sql/message-index-search.ts';
import { runIndexPass, type IndexPassOptions } from '../../src/search/message-index-pass.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('conversation search index', () => {
  let db: TestDatabase;
  let alice: string;
  let bob: string;
  let clock = Date.parse('2026-02-01T08:00:00Z');

  const pass = (options: Partial<IndexPassOptions> = {}) =>
    runIndexPass(db.service, { batchSize: 100, sweepThreads: 10_000, lookbackSeconds: 300, log: createLogger('silent'), ...options });
  const search = (userId: string, query: string, options: Partial<ConversationSearchOptions> = {}) =>
    searchConversations(db.service, { userId, query, limit: 10, timeoutMs: 5000, ...options }).then((r) => {
      if (r.kind !== 'hits') throw new Error(`no search terms in ${query}`);
      return r.hits;
    });
  const threadsFound = async (userId: string, query: string, options: Partial<ConversationSearchOptions> = {}) =>
    (await search(userId, query, options)).map((h) => h.threadId);

  async function thread(userId: string, title: string, messages: Array<{ role?: string; text: string }>): Promise<{ threadId: string; messageIds: string[] }> {
    const threadId = randomUUID();
    await sql`INSERT INTO chat_thread (id, title, user_id, created_at) VALUES (${threadId}, ${title}, ${userId}, ${new Date(clock)})`.execute(db.owner);
    const messageIds: string[] = [];
    for (const m of messages) {
      clock += 60_000;
      const id = `msg-${randomUUID()}`;
      messageIds.push(id);
      await sql`
        INSERT INTO chat_message (id, thread_id, role, parts, created_at)
        VALUES (${id}, ${threadId}, ${m.role ?? 'user'}, ARRAY[${JSON.stringify({ type: 'text', text: m.text })}::json], ${new Date(clock)})`.execute(db.owner);
    }
    return { threadId, messageIds };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const users = await db.owner.selectFrom('chat_thread').select('user_id').distinct().orderBy('user_id').execute();
    alice = users[0]!.user_id;
    bob = users[1]!.user_id;
  });
  afterAll(async () => db?.drop());

  it('backfills the whole history in batches; an interrupted backfill resumes without indexing a message twice', async () => {
    const total = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM chat_message`.execute(db.owner)).rows[0]!.n);
    expect(total).toBeGreaterThan(250);
    const first = await pass({ maxBatches: 2 });
    expect(first).toMatchObject({ indexed: 200, batches: 2, caughtUp: false, backfillCompleted: false });
    const indexedRows = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM mcp_archiver.message_index`.execute(db.owner)).rows[0]!.n);
    expect(await indexedRows()).toBe(200);

    const second = await pass();
    expect(second.caughtUp).toBe(true);
    expect(second.backfillCompleted).toBe(true);
    expect(first.indexed + second.indexed).toBe(total);
    expect(second.reindexed).toBe(0);
    expect(await indexedRows()).toBe(total);
    const state = await sql<{ done: Date | null }>`SELECT backfill_completed_at AS done FROM mcp_archiver.message_index_state`.execute(db.owner);
    expect(state.rows[0]!.done).toBeInstanceOf(Date);

    const again = await pass();
    expect(again).toMatchObject({ indexed: 0, reindexed: 0, removedThreads: 0, removedMessages: 0 });
  });

  it("writes a batch user by user, so that one user's rows share heap pages", async () => {
    // Two users' threads whose messages alternate in time: read in time order, the owner changes at every message.
    const alices = await thread(alice, 'Layout A', []);
    const bobs = await thread(bob, 'Layout B', []);
    // Earlier tests leave free space in the table's pages, where PostgreSQL would scatter the batch's rows whatever
    // their order; compacted, the batch is appended to the end in the order it is written.
    await sql`VACUUM FULL mcp_archiver.message_index`.execute(db.owner);
    for (let i = 0; i < 20; i++) {
      for (const t of [alices, bobs]) {
        clock += 60_000;
        await sql`
          INSERT INTO chat_message (id, thread_id, role, parts, created_at)
          VALUES (${`layout-${i}-${t.threadId}`}, ${t.threadId}, 'user', ARRAY[${JSON.stringify({ type: 'text', text: `layout note ${i}` })}::json], ${new Date(clock)})`.execute(db.owner);
      }
    }
    expect((await pass()).indexed).toBe(40);
    const owners = async (order: 'ctid' | 'created_at') =>
      (await sql<{ user_id: string }>`
        SELECT user_id FROM mcp_archiver.message_index WHERE message_id LIKE 'layout-%' ORDER BY ${sql.ref(order)}, message_id`.execute(db.owner)).rows;
    const ownerChanges = (rows: { user_id: string }[]) => rows.filter((r, i) => i > 0 && r.user_id !== rows[i - 1]!.user_id).length;
    expect(ownerChanges(await owners('created_at'))).toBe(39);
    expect(ownerChanges(await owners('ctid'))).toBeLessThanOrEqual(3);
  });

  it('makes messages written after the watermark searchable after one pass', async () => {
    const { threadId, messageIds } = await thread(alice, 'Pool sizing', [
      { text: 'What pool size should the zephyrine service use?' },
      { role: 'assistant', text: 'Start the zephyrine pool at 20 connections and measure.' },
    ]);
    expect(await threadsFound(alice, 'zephyrine')).toEqual([]);
    expect((await pass()).indexed).toBe(2);
    const hits = await search(alice, 'zephyrine');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ threadId, threadTitle: 'Pool sizing', matchedBy: 'full-text', archived: false, matchingMessages: 2 });
    expect(hits[0]!.snippets.map((s) => s.messageId).sort()).toEqual([...messageIds].sort());
    expect(hits[0]!.snippets[0]!.text).toContain('**zephyrine**');
  });

  it('stems English and French and ignores accents: hôtel finds hotel, connections finds connexion', async () => {
    const fr = await thread(alice, 'Voyage', [{ text: 'Nous avons réservé deux hôtels près de la gare, pour la semaine prochaine.' }]);
    const en = await thread(alice, 'Networking', [{ text: 'The proxy keeps too many idle connections open to the hotel booking API.' }]);
    await pass();
    expect((await threadsFound(alice, 'hotel')).sort()).toEqual([fr.threadId, en.threadId].sort());
    expect(await threadsFound(alice, 'hôtel réservé')).toEqual([fr.threadId]);
    expect(await threadsFound(alice, 'connection idle')).toEqual([en.threadId]);
    expect(await threadsFound(alice, '"idle connections" -gare')).toEqual([en.threadId]);
  });

  it('never returns a thread the app deleted, even before the next pass removes it from the index', async () => {
    const gone = await thread(alice, 'Secret plans', [{ text: 'The quasarite launch is on Friday.' }]);
    await pass();
    expect(await threadsFound(alice, 'quasarite')).toEqual([gone.threadId]);
    // The app deletes the thread (its messages cascade), as its own role (here the owner).
    await sql`DELETE FROM chat_thread WHERE id = ${gone.threadId}`.execute(db.owner);
    expect(await threadsFound(alice, 'quasarite')).toEqual([]);
    expect(await threadsFound(alice, 'quasarit')).toEqual([]);
    const result = await pass();
    expect(result.removedThreads).toBe(1);
    const left = await sql<{ n: string }>`SELECT count(*) AS n FROM mcp_archiver.message_index WHERE thread_id = ${gone.threadId}`.execute(db.owner);
    expect(Number(left.rows[0]!.n)).toBe(0);
  });

  it('re-indexes a message the app rewrote and forgets one it deleted', async () => {
    const edited = await thread(alice, 'Draft', [{ text: 'The codename is marmalade.' }, { text: 'Also consider tangerine.' }]);
    await pass();
    expect(await threadsFound(alice, 'marmalade')).toEqual([edited.threadId]);
    await sql`UPDATE chat_message SET parts = ARRAY[${JSON.stringify({ type: 'text', text: 'The codename is now butterscotch.' })}::json]
              WHERE id = ${edited.messageIds[0]!}`.execute(db.owner);
    await sql`DELETE FROM chat_message WHERE id = ${edited.messageIds[1]!}`.execute(db.owner);
    const result = await pass();
    expect(result.reindexed).toBe(1);
    expect(result.removedMessages).toBe(1);
    expect(await threadsFound(alice, 'marmalade')).toEqual([]);
    expect(await threadsFound(alice, 'tangerine')).toEqual([]);
    expect(await threadsFound(alice, 'butterscotch')).toEqual([edited.threadId]);
  });

  it('follows a message the app moved to another thread', async () => {
    const from = await thread(alice, 'Source', [{ text: 'The quokka photo is here.' }, { text: 'Nothing else.' }]);
    const to = await thread(alice, 'Target', [{ text: 'Holiday pictures.' }]);
    await pass();
    expect(await threadsFound(alice, 'quokka')).toEqual([from.threadId]);
    await sql`UPDATE chat_message SET thread_id = ${to.threadId} WHERE id = ${from.messageIds[0]!}`.execute(db.owner);
    const result = await pass();
    expect(result.removedMessages + result.reindexed).toBeGreaterThanOrEqual(1);
    expect(await threadsFound(alice, 'quokka')).toEqual([to.threadId]);
    const rows = await sql<{ thread_id: string }>`SELECT thread_id FROM mcp_archiver.message_index WHERE message_id = ${from.messageIds[0]!}`.execute(db.owner);
    expect(rows.rows).toEqual([{ thread_id: to.threadId }]);
  });

  it('finds a misspelled rare word and a misspelled title through trigrams when full text finds nothing', async () => {
    const rare = await thread(alice, 'Connection pooling', [{ text: 'We put pgbouncer in transaction mode in front of the primary.' }]);
    const titled = await thread(alice, 'Déménagement à Montréal', [{ text: 'Les cartons arrivent mardi.' }]);
    await pass();
    const byWord = await search(alice, 'pgbounzer');
    expect(byWord.map((h) => [h.threadId, h.matchedBy])).toEqual([[rare.threadId, 'similar-words']]);
    expect(byWord[0]!.snippets[0]!.text).toContain('**pgbouncer**');
    const byTitle = await search(alice, 'demenagment');
    expect(byTitle.map((h) => [h.threadId, h.matchedBy])).toEqual([[titled.threadId, 'title']]);
    expect(byTitle[0]!.snippets[0]!.text).toContain('cartons');
  });

  it("never finds another user's words, by full text or by trigrams", async () => {
    const bobs = await thread(bob, 'Bob only', [{ text: 'My xylophonist friend plays on Sundays.' }]);
    await pass();
    expect(await threadsFound(bob, 'xylophonist')).toEqual([bobs.threadId]);
    expect(await threadsFound(alice, 'xylophonist')).toEqual([]);
    expect(await threadsFound(alice, 'xylofonist')).toEqual([]);
    expect(await threadsFound(alice, 'Bob only')).toEqual([]);
  });

  it("finds a misspelled title through the trigram index function, never another user's title", async () => {
    const bobs = await thread(bob, 'Xylophone recital rehearsal', [{ text: 'Bring the mallets.' }]);
    await pass();
    const titles = (user: string, actingUser: string, key: string) =>
      actingAs(db.service, { userId: actingUser }, (trx) =>
        sql<{ thread_id: string }>`SELECT thread_id FROM mcp_archiver.similar_thread_titles(${user}::uuid, ${key}, NULL, NULL)`.execute(trx),
      ).then((r) => r.rows.map((row) => row.thread_id));
    expect(await titles(bob, bob, 'xylophne')).toEqual([bobs.threadId]);
    // Alice's own titles only, whatever other users' match: the function's own user condition.
    expect(await titles(alice, alice, 'xylophne')).toEqual([]);
    // Bob's titles, asked for while acting for Alice: nothing (the policy's rule, applied inside).
    expect(await titles(bob, alice, 'xylophne')).toEqual([]);
    const bobsHits = await search(bob, 'xylophne');
    expect(bobsHits.find((h) => h.threadId === bobs.threadId)?.matchedBy).toBe('title');
    expect(await threadsFound(alice, 'xylophne')).toEqual([]);
  });

  it('matches titles inside the trigram index scan; under the policy a plain query cannot', async () => {
    await thread(bob, 'Harpsichord tuning', [{ text: 'A=415.' }]);
    await pass();
    const serviceRole = new URL(db.serviceUrl).username;
    const plansOf = async (statement: string): Promise<string[]> => {
      const client = new pg.Client({ connectionString: db.ownerUrl });
      const plans: string[] = [];
      client.on('notice', (notice) => plans.push(notice.message ?? ''));
      await client.connect();
      try {
        // auto_explain reports the plans of the statements run inside the function; without sequential scans the
        // planner takes the index whenever the condition can go into it, whatever the table's size.
        await client.query(`LOAD 'auto_explain'`);
        await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
          SET auto_explain.log_level = 'notice'; SET enable_seqscan = off; SET ROLE ${serviceRole}`);
        await client.query('BEGIN');
        await client.query(`SELECT set_config('mcp_archiver.acting_user', $1, true)`, [bob]);
        await client.query(statement, [bob, 'harpsicord']);
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
      return plans.filter((plan) => plan.includes('message_index_thread'));
    };
    const viaFunction = await plansOf('SELECT * FROM mcp_archiver.similar_thread_titles($1::uuid, $2, NULL, NULL)');
    expect(viaFunction.join('\n')).toMatch(/Index Scan on message_index_thread_title_idx[\s\S]*Index Cond: [^\n]*title_key OPERATOR\(mcp_archiver\.%>\) /);
    const underPolicy = await plansOf(
      'SELECT thread_id FROM mcp_archiver.message_index_thread i WHERE i.user_id = $1::uuid AND $2 OPERATOR(mcp_archiver.<%) i.title_key',
    );
    expect(underPolicy.length).toBeGreaterThan(0);
    expect(underPolicy.join('\n')).not.toMatch(/Index Cond: [^\n]*title_key/);
  });

  it('filters by role, time, thread and archived state, and ranks equal hits by recency', async () => {
    const older = await thread(alice, 'Older', [{ text: 'Lanterns for the garden party.' }, { role: 'assistant', text: 'Paper lanterns work.' }]);
    const newer = await thread(alice, 'Newer', [{ text: 'Lanterns for the garden party.' }]);
    await pass();
    expect(await threadsFound(alice, 'lanterns garden')).toEqual([newer.threadId, older.threadId]);
    expect(await threadsFound(alice, 'paper lanterns', { role: 'user' })).toEqual([]);
    expect(await threadsFound(alice, 'paper lanterns', { role: 'assistant' })).toEqual([older.threadId]);
    expect(await threadsFound(alice, 'lanterns', { threadId: older.threadId })).toEqual([older.threadId]);
    const newerAt = new Date(clock);
    expect(await threadsFound(alice, 'lanterns', { after: newerAt })).toEqual([newer.threadId]);
    expect(await threadsFound(alice, 'lanterns', { before: newerAt })).toEqual([older.threadId]);

    const archive = await db.owner.insertInto('archive').values({ name: 'Parties', user_id: alice }).returning('id').executeTakeFirstOrThrow();
    await db.owner.insertInto('archive_item').values({ archive_id: archive.id, item_id: older.threadId, user_id: alice }).execute();
    const hits = await search(alice, 'lanterns');
    expect(hits.map((h) => [h.threadId, h.archived])).toEqual([[newer.threadId, false], [older.threadId, true]]);
    expect(await threadsFound(alice, 'lanterns', { archived: true })).toEqual([older.threadId]);
    expect(await threadsFound(alice, 'lanterns', { archived: false })).toEqual([newer.threadId]);
  });

  it('refuses a query with no searchable words', async () => {
    expect((await searchConversations(db.service, { userId: alice, query: 'the and of', limit: 5, timeoutMs: 5000 })).kind).toBe('no-search-terms');
  });

  it('takes a query once when English and French stem it alike, both forms when they differ', async () => {
    const asText = async (query: string) => (await sql<{ q: string }>`SELECT (${websearchQuery(query)})::text AS q`.execute(db.owner)).rows[0]!.q;
    expect(await asText('pool')).toBe("'pool'");
    expect(await asText('"connection pool" -revenue')).toBe("'connect' <-> 'pool' & !'revenu'");
    expect(await asText('revenue quarter')).toBe("'revenu' & 'quarter' | 'revenu' & 'quart'");
  });
});
