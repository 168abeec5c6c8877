import { sql, type Kysely } from 'kysely';

/**
 * An index over the agent that answered each message (`metadata ->> 'agentId'`), only on messages that name one, so
 * an agent's usage over years of chat reads its own messages instead of scanning every message.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX IF NOT EXISTS chat_message_agent_id_idx ON chat_message ((metadata ->> 'agentId'), created_at)
      WHERE (metadata ->> 'agentId') IS NOT NULL`.execute(db);
}
