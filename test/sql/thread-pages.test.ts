import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readThreadMessages } from '../../src/sql/threads.ts';
import { useTestDatabase } from '../support/test-database.ts';

// Pages are bounded by the bytes of their rows, not only by their count: 100 messages of 1 MB used to come in one
// page of 500 rows and took the worker from ~200 MB to 753 MB.
describe('reading a thread in pages bounded by bytes', () => {
  const db = useTestDatabase();

  it('ends a page before its JSON passes the budget, keeps order and reads every message once', async () => {
    const userId = (await db.owner.selectFrom('chat_thread').select('user_id').executeTakeFirstOrThrow()).user_id;
    const threadId = randomUUID();
    await db.owner.insertInto('chat_thread').values({ id: threadId, title: 'Sizes', user_id: userId }).execute();
    // 30 messages: every third one 300 kB, one 2 MB (alone above the budget), the others small.
    const sizes = Array.from({ length: 30 }, (_, i) => (i === 17 ? 2_000_000 : i % 3 === 0 ? 300_000 : 50));
    for (const [i, size] of sizes.entries()) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, created_at)
                VALUES (${`${threadId}-${String(i).padStart(2, '0')}`}, ${threadId}, 'user',
                        ARRAY[json_build_object('type', 'text', 'text', repeat('x', ${size}))],
                        ${new Date(Date.UTC(2026, 0, 1, 0, 0, 0))})`.execute(db.owner);
    }
    const budget = 1_000_000;
    const pages: string[][] = [];
    for await (const page of readThreadMessages(db.service, threadId, { rows: 500, bytes: budget })) {
      const bytes = page.reduce((sum, message) => sum + JSON.stringify(message.parts).length, 0);
      if (page.length > 1) expect(bytes).toBeLessThanOrEqual(budget);
      pages.push(page.map((message) => message.id));
    }
    expect(pages.flat()).toEqual(sizes.map((_, i) => `${threadId}-${String(i).padStart(2, '0')}`));
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.find((page) => page.includes(`${threadId}-17`))).toEqual([`${threadId}-17`]);
  });

  it('still pages by rows', async () => {
    const userId = (await db.owner.selectFrom('chat_thread').select('user_id').executeTakeFirstOrThrow()).user_id;
    const threadId = randomUUID();
    await db.owner.insertInto('chat_thread').values({ id: threadId, title: 'Rows', user_id: userId }).execute();
    for (let i = 0; i < 7; i++) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, created_at)
                VALUES (${`${threadId}-${i}`}, ${threadId}, 'user', NULL, ${new Date(Date.UTC(2026, 0, 1, 0, 0, i))})`.execute(db.owner);
    }
    const sizes: number[] = [];
    for await (const page of readThreadMessages(db.service, threadId, { rows: 3, bytes: 1_000_000 })) sizes.push(page.length);
    expect(sizes).toEqual([3, 3, 1]);
  });
});
