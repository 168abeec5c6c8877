import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { MAX_TOOL_NAME_CODE_POINTS } from '../chat/message-part.ts';
import type { Database } from '../db/database.ts';
import {
  PATTERN_ANALYSIS_VERSION,
  patternAnalysisResultSchema,
  type PatternAnalysisResult,
} from '../analysis/pattern-analysis-result.ts';

export interface PatternQuery {
  start: Date;
  end: Date;
  userId: string | null;
  timeZone: string;
}

const TOP_TOOLS = 50;
const TOP_AGENTS = 100;
const TOP_MODELS = 100;
// Over a long range on a large database one aggregate may take minutes; the job's own expiry bounds the run.
const STATEMENT_TIMEOUT = '10min';

/**
 * Aggregates usage over a range in SQL, in one read-only snapshot: no message is loaded into Node.
 * Host timestamps are UTC `timestamp`s; days and hours are read on `timeZone`'s wall clock.
 */
export async function queryPatterns(db: Kysely<Database>, query: PatternQuery): Promise<PatternAnalysisResult> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      await sql`SET TRANSACTION READ ONLY`.execute(trx);
      await sql`SELECT set_config('statement_timeout', ${STATEMENT_TIMEOUT}, true)`.execute(trx);
      return aggregate(trx, query);
    });
}

async function aggregate(trx: Transaction<Database>, query: PatternQuery): Promise<PatternAnalysisResult> {
  const start = query.start.toISOString();
  const end = query.end.toISOString();
  const byUser = query.userId === null ? sql`` : sql`AND t.user_id = ${query.userId}`;
  const inRange = (column: RawBuilder<unknown>) =>
    sql`${column} >= (${start}::timestamptz AT TIME ZONE 'UTC') AND ${column} < (${end}::timestamptz AT TIME ZONE 'UTC')`;
  const local = (column: RawBuilder<unknown>) => sql`((${column} AT TIME ZONE 'UTC') AT TIME ZONE ${query.timeZone})`;
  // The messages of the range with their thread's owner; every aggregate below reads from it.
  const messages = sql`
    SELECT m.thread_id, m.role, m.parts, m.metadata, m.created_at, t.user_id
    FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id
    WHERE ${inRange(sql.ref('m.created_at'))} ${byUser}`;

  const totals = (
    await sql<{ messages: number; active_threads: number; active_users: number }>`
      SELECT count(*)::int AS messages, count(DISTINCT thread_id)::int AS active_threads, count(DISTINCT user_id)::int AS active_users
      FROM (${messages}) f`.execute(trx)
  ).rows[0]!;

  const perDay = (
    await sql<{ day: string; messages: number; active_threads: number; active_users: number }>`
      SELECT to_char(${local(sql.ref('created_at'))}, 'YYYY-MM-DD') AS day, count(*)::int AS messages,
             count(DISTINCT thread_id)::int AS active_threads, count(DISTINCT user_id)::int AS active_users
      FROM (${messages}) f GROUP BY 1 ORDER BY 1`.execute(trx)
  ).rows;

  const newThreadsPerDay = (
    await sql<{ day: string; threads: number }>`
      SELECT to_char(${local(sql.ref('t.created_at'))}, 'YYYY-MM-DD') AS day, count(*)::int AS threads
      FROM chat_thread t WHERE ${inRange(sql.ref('t.created_at'))} ${byUser} GROUP BY 1 ORDER BY 1`.execute(trx)
  ).rows;

  const hours = (
    await sql<{ hour: number; messages: number }>`
      SELECT extract(hour FROM ${local(sql.ref('created_at'))})::int AS hour, count(*)::int AS messages
      FROM (${messages}) f GROUP BY 1`.execute(trx)
  ).rows;

  const roles = (
    await sql<{ role: string; messages: number }>`
      SELECT role, count(*)::int AS messages FROM (${messages}) f GROUP BY 1 ORDER BY 2 DESC, 1`.execute(trx)
  ).rows;

  const threadLength = (
    await sql<{ threads: number; average: number | null; p90: number | null; max: number | null }>`
      SELECT count(*)::int AS threads, avg(n)::float8 AS average,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY n)::float8 AS p90, max(n)::int AS max
      FROM (SELECT thread_id, count(*) AS n FROM (${messages}) f GROUP BY thread_id) per_thread`.execute(trx)
  ).rows[0]!;

  const usage = (field: string) =>
    // CASE, not AND: only CASE guarantees the cast runs on numbers alone.
    sql`sum(CASE WHEN json_typeof(metadata -> 'usage' -> ${field}) = 'number'
                 THEN greatest((metadata -> 'usage' ->> ${field})::numeric, 0) ELSE 0 END)::text`;
  const models = (
    await sql<{
      provider: string | null;
      model: string | null;
      messages: number;
      with_usage: number;
      input: string;
      output: string;
      total: string;
      reasoning: string;
      cached: string;
    }>`
      SELECT metadata -> 'chatModel' ->> 'provider' AS provider, metadata -> 'chatModel' ->> 'model' AS model,
             count(*)::int AS messages,
             count(*) FILTER (WHERE json_typeof(metadata -> 'usage') = 'object')::int AS with_usage,
             ${usage('inputTokens')} AS input, ${usage('outputTokens')} AS output, ${usage('totalTokens')} AS total,
             ${usage('reasoningTokens')} AS reasoning, ${usage('cachedInputTokens')} AS cached
      FROM (${messages}) f
      WHERE json_typeof(metadata) = 'object'
        AND (json_typeof(metadata -> 'chatModel') = 'object' OR json_typeof(metadata -> 'usage') = 'object')
      GROUP BY 1, 2 ORDER BY 3 DESC, 1 NULLS LAST, 2 NULLS LAST LIMIT ${TOP_MODELS}`.execute(trx)
  ).rows;

  const tools = (
    await sql<{ name: string; calls: number; errors: number }>`
      SELECT name, count(*)::int AS calls, count(*) FILTER (WHERE is_error)::int AS errors
      FROM (${toolCalls(sql`SELECT p FROM (${messages}) f, unnest(f.parts) AS p`)}) calls
      GROUP BY name ORDER BY calls DESC, name LIMIT ${TOP_TOOLS}`.execute(trx)
  ).rows;

  const agents = (
    await sql<{ agent_id: string; name: string | null; messages: number; threads: number }>`
      SELECT f.metadata ->> 'agentId' AS agent_id, a.name, count(*)::int AS messages, count(DISTINCT f.thread_id)::int AS threads
      FROM (${messages}) f LEFT JOIN agent a ON a.id::text = f.metadata ->> 'agentId'
      WHERE json_typeof(f.metadata) = 'object' AND coalesce(f.metadata ->> 'agentId', '') <> ''
      GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT ${TOP_AGENTS}`.execute(trx)
  ).rows;

  const newThreads = new Map(newThreadsPerDay.map((row) => [row.day, row.threads]));
  const days = [...new Set([...perDay.map((row) => row.day), ...newThreads.keys()])].sort();
  const activity = new Map(perDay.map((row) => [row.day, row]));
  const hourOfDay = Array.from({ length: 24 }, () => 0);
  for (const row of hours) hourOfDay[row.hour] = row.messages;

  return patternAnalysisResultSchema.parse({
    version: PATTERN_ANALYSIS_VERSION,
    timeZone: query.timeZone,
    range: { start, end },
    userId: query.userId,
    totals: {
      messages: totals.messages,
      activeThreads: totals.active_threads,
      newThreads: newThreadsPerDay.reduce((sum, row) => sum + row.threads, 0),
      activeUsers: totals.active_users,
    },
    perDay: days.map((day) => ({
      day,
      messages: activity.get(day)?.messages ?? 0,
      activeThreads: activity.get(day)?.active_threads ?? 0,
      newThreads: newThreads.get(day) ?? 0,
      activeUsers: activity.get(day)?.active_users ?? 0,
    })),
    hourOfDay,
    byRole: Object.fromEntries(roles.map((row) => [row.role, row.messages])),
    threadLength: {
      threads: threadLength.threads,
      average: threadLength.average ?? 0,
      p90: threadLength.p90 ?? 0,
      max: threadLength.max ?? 0,
    },
    tokensByModel: models.map((row) => ({
      provider: row.provider,
      model: row.model,
      messages: row.messages,
      messagesWithUsage: row.with_usage,
      inputTokens: Number(row.input),
      outputTokens: Number(row.output),
      totalTokens: Number(row.total),
      reasoningTokens: Number(row.reasoning),
      cachedInputTokens: Number(row.cached),
    })),
    tools: tools.map((row) => ({ ...row, errorRate: row.calls === 0 ? 0 : row.errors / row.calls })),
    agents: agents.map((row) => ({ agentId: row.agent_id, name: row.name, messages: row.messages, threads: row.threads })),
  } satisfies PatternAnalysisResult);
}

/**
 * The tool calls among `parts` (rows of one json column `p`), one row (name, is_error) each, classified by the rules of
 * `readMessagePart` (src/chat/message-part.ts): AI SDK v5 `tool-<name>` and `dynamic-tool`, v4 `tool-invocation` with
 * its nested object; an error is an `output-error` state, a non-empty error text, or an output flagged `isError: true`.
 * test/jobs/tool-call-classification.test.ts checks it against the reader on one table of cases.
 */
export function toolCalls(parts: RawBuilder<unknown>): RawBuilder<unknown> {
  const flaggedError = (output: RawBuilder<unknown>) =>
    sql`coalesce(json_typeof(${output}) = 'object' AND json_typeof(${output} -> 'isError') = 'boolean'
                 AND ${output} ->> 'isError' = 'true', false)`;
  return sql`
    SELECT left(CASE WHEN legacy THEN p -> 'toolInvocation' ->> 'toolName'
                     WHEN type = 'dynamic-tool' THEN coalesce(nullif(CASE WHEN json_typeof(p -> 'toolName') = 'string'
                                                                     THEN p ->> 'toolName' END, ''), 'dynamic-tool')
                     ELSE substr(type, 6) END, ${MAX_TOOL_NAME_CODE_POINTS}) AS name,
           CASE WHEN legacy THEN ${flaggedError(sql`(p -> 'toolInvocation' -> 'result')`)}
                ELSE coalesce(p ->> 'state' = 'output-error', false)
                     OR coalesce(json_typeof(p -> 'errorText') = 'string' AND p ->> 'errorText' <> '', false)
                     OR ${flaggedError(sql`(p -> 'output')`)} END AS is_error
    FROM (
      SELECT p, p ->> 'type' AS type,
             -- the nested object marks a v4 part; without it, "tool-invocation" is a v5 tool named "invocation"
             (p ->> 'type' = 'tool-invocation' AND p -> 'toolInvocation' IS NOT NULL) AS legacy
      FROM (${parts}) parts
      WHERE json_typeof(p) = 'object' AND json_typeof(p -> 'type') = 'string'
    ) typed
    WHERE CASE WHEN legacy THEN json_typeof(p -> 'toolInvocation') = 'object'
                                AND json_typeof(p -> 'toolInvocation' -> 'toolName') = 'string'
                                AND p -> 'toolInvocation' ->> 'toolName' <> ''
               ELSE type = 'dynamic-tool' OR type LIKE 'tool-_%' END`;
}
