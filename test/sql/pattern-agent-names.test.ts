import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPatterns } from '../../src/sql/pattern-aggregates.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// Message metadata is chat data: it may name any agent id, another user's private agent included. The analysis shows
// an agent's name only when the agent is visible to the message's user.

describe('agent names in the pattern analysis', () => {
  let db: TestDatabase;
  const at = new Date('2026-01-10T12:00:00Z');
  const range = { start: new Date('2026-01-10T00:00:00Z'), end: new Date('2026-01-11T00:00:00Z'), timeZone: 'UTC' };
  let alice: string;
  const agents = { own: randomUUID(), foreignPrivate: randomUUID(), foreignPublic: randomUUID(), foreignReadonly: randomUUID() };

  beforeAll(async () => {
    db = await createTestDatabase();
    const users = (await db.owner.selectFrom('chat_thread').select('user_id').distinct().execute()).map((r) => r.user_id);
    alice = users[0]!;
    const bob = users[1]!;
    await db.owner
      .insertInto('agent')
      .values([
        { id: agents.own, name: 'Alice private helper', user_id: alice, visibility: 'private' },
        { id: agents.foreignPrivate, name: 'Bob secret negotiator', user_id: bob, visibility: 'private' },
        { id: agents.foreignPublic, name: 'Bob public helper', user_id: bob, visibility: 'public' },
        { id: agents.foreignReadonly, name: 'Bob readonly helper', user_id: bob, visibility: 'readonly' },
      ])
      .execute();
    const threadId = randomUUID();
    await db.owner.insertInto('chat_thread').values({ id: threadId, title: 'Agents', user_id: alice, created_at: at }).execute();
    for (const [index, agentId] of Object.values(agents).entries()) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, metadata, created_at)
                VALUES (${randomUUID()}, ${threadId}, 'assistant', ARRAY[${JSON.stringify({ type: 'text', text: 'hi' })}::json],
                        ${JSON.stringify({ agentId })}::json, ${new Date(at.getTime() + index * 1000)})`.execute(db.owner);
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  for (const scope of ['the user', 'all users'] as const) {
    it(`names own and public/readonly agents, never another user's private one (analysis of ${scope})`, async () => {
      const result = await queryPatterns(db.service, { ...range, userId: scope === 'the user' ? alice : null });
      const names = Object.fromEntries(result.agents.map((a) => [a.agentId, a.name]));
      expect(names).toMatchObject({
        [agents.own]: 'Alice private helper',
        [agents.foreignPublic]: 'Bob public helper',
        [agents.foreignReadonly]: 'Bob readonly helper',
        [agents.foreignPrivate]: null,
      });
      expect(JSON.stringify(result)).not.toContain('Bob secret negotiator');
    });
  }
});
