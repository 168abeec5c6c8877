import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/database.ts';

/**
 * Adds a thread of `messageCount` messages to `userId`, written by one INSERT … SELECT over generate_series: message
 * i (alternately user and assistant) has one text part, `texts[i % texts.length]`. Returns the thread id.
 */
export async function insertLongThread(owner: Kysely<Database>, input: { userId: string; title: string; messageCount: number; texts: string[] }): Promise<string> {
  const threadId = randomUUID();
  const start = new Date('2026-01-10T08:00:00Z');
  await sql`INSERT INTO chat_thread (id, title, user_id, created_at) VALUES (${threadId}, ${input.title}, ${input.userId}, ${start})`.execute(owner);
  await sql`
    INSERT INTO chat_message (id, thread_id, role, parts, created_at)
    SELECT ${threadId}::text || '-' || g, ${threadId}::uuid,
           CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
           ARRAY[json_build_object('type', 'text', 'text', (${input.texts}::text[])[1 + g % ${input.texts.length}::int])],
           ${start}::timestamp + g * interval '1 second'
    FROM generate_series(0, ${input.messageCount}::int - 1) AS g`.execute(owner);
  return threadId;
}

/** Adds a thread holding one message with one text part of the given text. Returns the thread id. */
export async function insertSingleMessageThread(owner: Kysely<Database>, input: { userId: string; title: string; text: string }): Promise<string> {
  const threadId = randomUUID();
  await sql`INSERT INTO chat_thread (id, title, user_id) VALUES (${threadId}, ${input.title}, ${input.userId})`.execute(owner);
  await sql`
    INSERT INTO chat_message (id, thread_id, role, parts)
    VALUES (${`${threadId}-0`}, ${threadId}, 'user', ARRAY[json_build_object('type', 'text', 'text', ${input.text}::text)])`.execute(owner);
  return threadId;
}

/** A thread of one assistant message made of the given parts, stored as they are (whatever their shape). */
export async function insertPartsThread(owner: Kysely<Database>, input: { userId: string; title: string; parts: readonly unknown[] }): Promise<string> {
  const threadId = randomUUID();
  await owner.insertInto('chat_thread').values({ id: threadId, title: input.title, user_id: input.userId }).execute();
  await sql`INSERT INTO chat_message (id, thread_id, role, parts)
            VALUES (${`${threadId}-0`}, ${threadId}, 'assistant', ARRAY(SELECT json_array_elements(${JSON.stringify(input.parts)}::json)))`.execute(owner);
  return threadId;
}
