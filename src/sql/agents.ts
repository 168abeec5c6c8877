import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { toolCalls } from './pattern-aggregates.ts';

export interface AgentRow {
  id: string;
  name: string;
  description: string | null;
  icon: unknown;
  userId: string;
  instructions: unknown;
  visibility: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The agent as `userId` may see it, as the app decides (`selectAgentById`): their own, or another user's whose
 * visibility is `public` or `readonly`. Another user's private agent reads as missing.
 */
export async function visibleAgent(db: Kysely<Database>, userId: string, agentId: string): Promise<AgentRow | undefined> {
  const { rows } = await sql<AgentRow>`
    SELECT id, name, description, icon, user_id AS "userId", instructions, visibility,
           created_at AS "createdAt", updated_at AS "updatedAt"
    FROM agent
    WHERE id = ${agentId} AND (user_id = ${userId} OR visibility IN ('public', 'readonly'))`.execute(db);
  return rows[0];
}

/** Names of the agents among `ids` that `ownerId` can see (own, public or read-only). */
export async function visibleAgentNames(db: Kysely<Database>, ownerId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; name: string }>`
    SELECT id, name FROM agent
    WHERE id::text = ANY(${[...ids]}::text[]) AND (user_id = ${ownerId} OR visibility IN ('public', 'readonly'))`.execute(db);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Names of the workflows among `ids` that `ownerId` can see (own, or not private). */
export async function visibleWorkflowNames(db: Kysely<Database>, ownerId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; name: string }>`
    SELECT id, name FROM workflow
    WHERE id::text = ANY(${[...ids]}::text[]) AND (user_id = ${ownerId} OR visibility <> 'private')`.execute(db);
  return new Map(rows.map((r) => [r.id, r.name]));
}

export interface AgentUsageAggregates {
  threads: number;
  messages: number;
  firstUsedAt: Date | null;
  lastUsedAt: Date | null;
  perDay: { day: string; messages: number; threads: number }[];
  models: { provider: string | null; model: string | null; messages: number; inputTokens: number; outputTokens: number; totalTokens: number }[];
  tools: { name: string; calls: number; errors: number }[];
}

/** The messages the agent answered in `userId`'s threads (by `metadata.agentId`, through its index). */
function agentMessages(agentId: string, userId: string) {
  return sql`
    SELECT m.id, m.thread_id, m.created_at, m.metadata, m.parts
    FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id
    WHERE (m.metadata ->> 'agentId') = ${agentId} AND t.user_id = ${userId}`;
}

/** Usage of an agent, aggregated by the database over every message it answered for the user. */
export async function agentUsageAggregates(db: Kysely<Database>, agentId: string, userId: string): Promise<AgentUsageAggregates> {
  const messages = agentMessages(agentId, userId);
  const totals = (
    await sql<{ threads: number; messages: number; first_at: Date | null; last_at: Date | null }>`
      SELECT count(DISTINCT thread_id)::int AS threads, count(*)::int AS messages, min(created_at) AS first_at, max(created_at) AS last_at
      FROM (${messages}) f`.execute(db)
  ).rows[0]!;
  const perDay = (
    await sql<{ day: string; messages: number; threads: number }>`
      SELECT to_char(created_at, 'YYYY-MM-DD') AS day, count(*)::int AS messages, count(DISTINCT thread_id)::int AS threads
      FROM (${messages}) f GROUP BY 1 ORDER BY 1`.execute(db)
  ).rows;
  const usage = (field: string) =>
    sql`coalesce(sum(CASE WHEN json_typeof(metadata -> 'usage' -> ${field}) = 'number'
                          THEN greatest((metadata -> 'usage' ->> ${field})::numeric, 0) ELSE 0 END), 0)::float8`;
  const models = (
    await sql<AgentUsageAggregates['models'][number]>`
      SELECT metadata -> 'chatModel' ->> 'provider' AS provider, metadata -> 'chatModel' ->> 'model' AS model, count(*)::int AS messages,
             ${usage('inputTokens')} AS "inputTokens", ${usage('outputTokens')} AS "outputTokens", ${usage('totalTokens')} AS "totalTokens"
      FROM (${messages}) f GROUP BY 1, 2 ORDER BY 3 DESC, 1 NULLS LAST, 2 NULLS LAST`.execute(db)
  ).rows;
  const tools = (
    await sql<{ name: string; calls: number; errors: number }>`
      SELECT name, count(*)::int AS calls, count(*) FILTER (WHERE is_error)::int AS errors
      FROM (${toolCalls(sql`SELECT p FROM (${messages}) f, unnest(f.parts) AS p`)}) calls
      GROUP BY name ORDER BY calls DESC, name`.execute(db)
  ).rows;
  return { threads: totals.threads, messages: totals.messages, firstUsedAt: totals.first_at, lastUsedAt: totals.last_at, perDay, models, tools };
}

/** The agent's messages for the user, a page at a time (keyset on created_at, id), for counting our own tokens. */
export async function* agentMessagePages(
  db: Kysely<Database>,
  agentId: string,
  userId: string,
  pageSize: number,
): AsyncGenerator<{ id: string; createdAt: Date; metadata: unknown; parts: unknown[] | null }[]> {
  // The cursor keeps the timestamp as text: a JS Date would drop its microseconds and re-read rows.
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const { rows } = await sql<{ id: string; created_at: Date; cursor: string; metadata: unknown; parts: unknown[] | null }>`
      SELECT id, created_at, created_at::text AS cursor, metadata, parts FROM (${agentMessages(agentId, userId)}) f
      WHERE ${after ? sql`(created_at, id) > (${after.createdAt}::timestamp, ${after.id})` : sql`true`}
      ORDER BY created_at, id LIMIT ${pageSize}`.execute(db);
    if (rows.length === 0) return;
    yield rows.map((r) => ({ id: r.id, createdAt: r.created_at, metadata: r.metadata, parts: r.parts }));
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.cursor, id: last.id };
    if (rows.length < pageSize) return;
  }
}
