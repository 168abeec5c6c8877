import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMessagePart } from '../../src/chat/message-part.ts';
import { queryPatterns } from '../../src/sql/pattern-aggregates.ts';
import { toolPartCases } from '../chat/tool-part-cases.ts';
import { useTestDatabase } from '../support/test-database.ts';

// The pattern analysis counts tool calls and errors in SQL; the reader classifies them in TypeScript. Both read the
// same table of cases here: a case that one of them classifies differently changes the counts of its tool name.

describe('tool call classification in the pattern analysis SQL', () => {
  const db = useTestDatabase();
  const at = new Date('2026-01-10T12:00:00Z');

  it('counts every case of the reader\'s table as the reader does', async () => {
    const user = (await db.owner.selectFrom('chat_thread').select('user_id').executeTakeFirstOrThrow()).user_id;
    const threadId = randomUUID();
    await db.owner.insertInto('chat_thread').values({ id: threadId, title: 'Tool parts', user_id: user, created_at: at }).execute();
    // One message per case, so a part the SQL misreads cannot hide behind another.
    for (const [index, { part }] of toolPartCases.entries()) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, created_at)
                VALUES (${randomUUID()}, ${threadId}, 'assistant', ARRAY[${JSON.stringify(part)}::json],
                        ${new Date(at.getTime() + index * 1000)})`.execute(db.owner);
    }
    const result = await queryPatterns(db.service, {
      start: new Date('2026-01-10T00:00:00Z'),
      end: new Date('2026-01-11T00:00:00Z'),
      userId: user,
      timeZone: 'UTC',
    });

    const expected = new Map<string, { calls: number; errors: number }>();
    for (const { label, part, expected: outcome } of toolPartCases) {
      const read = readMessagePart(part);
      expect(read.kind === 'tool' ? { name: read.toolName, status: read.status } : null, label).toEqual(outcome);
      if (outcome === null) continue;
      const tally = expected.get(outcome.name) ?? { calls: 0, errors: 0 };
      expected.set(outcome.name, tally);
      tally.calls++;
      if (outcome.status === 'error') tally.errors++;
    }
    const counted = Object.fromEntries(result.tools.map((tool) => [tool.name, { calls: tool.calls, errors: tool.errors }]));
    expect(counted).toEqual(Object.fromEntries(expected));
  });
});
