import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { MAX_TOOL_NAME_CODE_POINTS } from '../chat/message-part.ts';
import type { Database } from '../db/database.ts';
import type { PatternAnalysisResult } from '../analysis/pattern-analysis-result.ts';
import { inReadOnlySnapshot } from './read-only-snapshot.ts';
import { assemblePatternAnalysis, type PatternAggregateRows, type PatternRange } from '../analysis/pattern-assembly.ts';

/** The range, the user (null = everyone) and the time zone whose wall clock days and hours are read on. */
export type PatternQuery = PatternRange;

const TOP_TOOLS = 50;
const TOP_AGENTS = 100;
const TOP_MODELS = 100;
/** Models drawn per day in the report: more lines than this are unreadable. */
const TOP_MODELS_PER_DAY = 12;
// Over a long range on a large database one aggregate may take minutes; the job's own expiry bounds the run.
const STATEMENT_TIMEOUT = '10min';

/**
 * Aggregates usage over a range in SQL, in one read-only snapshot: no message is loaded into Node.
 * Host timestamps are UTC `timestamp`s; days and hours are read on `timeZone`'s wall clock.
 */
export async function queryPatterns(db: Kysely<Database>, query: PatternQuery): Promise<PatternAnalysisResult> {
  return inReadOnlySnapshot(db, STATEMENT_TIMEOUT, async (trx) => assemblePatternAnalysis(query, await readPatternAggregates(trx, query)));
}

/** One row of an aggregate's result. */
type RowOf<K extends keyof PatternAggregateRows> = PatternAggregateRows[K] extends readonly (infer Row)[] ? Row : PatternAggregateRows[K];

/** The messages of the range with their thread's owner, and the range and clock helpers every aggregate uses. */
interface PatternScope {
  readonly messages: RawBuilder<unknown>;
  readonly byUser: RawBuilder<unknown>;
  inRange(column: RawBuilder<unknown>): RawBuilder<unknown>;
  local(column: RawBuilder<unknown>): RawBuilder<unknown>;
}

function patternScope(query: PatternQuery): PatternScope {
  const start = query.start.toISOString();
  const end = query.end.toISOString();
  const byUser = query.userId === null ? sql`` : sql`AND t.user_id = ${query.userId}`;
  const inRange = (column: RawBuilder<unknown>) =>
    sql`${column} >= (${start}::timestamptz AT TIME ZONE 'UTC') AND ${column} < (${end}::timestamptz AT TIME ZONE 'UTC')`;
  const local = (column: RawBuilder<unknown>) => sql`((${column} AT TIME ZONE 'UTC') AT TIME ZONE ${query.timeZone})`;
  const messages = sql`
    SELECT m.thread_id, m.role, m.parts, m.metadata, m.created_at, t.user_id
    FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id
    WHERE ${inRange(sql.ref('m.created_at'))} ${byUser}`;
  return { messages, byUser, inRange, local };
}

/** Every aggregate of the range, one query each, in the caller's snapshot. */
export async function readPatternAggregates(trx: Transaction<Database>, query: PatternQuery): Promise<PatternAggregateRows> {
  const scope = patternScope(query);
  return {
    totals: await queryTotals(trx, scope),
    perDay: await queryPerDay(trx, scope),
    newThreadsPerDay: await queryNewThreadsPerDay(trx, scope),
    hours: await queryHours(trx, scope),
    roles: await queryRoles(trx, scope),
    threadLength: await queryThreadLength(trx, scope),
    models: await queryModels(trx, scope),
    modelsPerDay: await queryModelsPerDay(trx, scope),
    weekdayHours: await queryWeekdayHours(trx, scope),
    tools: await queryTools(trx, scope),
    agents: await queryAgents(trx, scope),
  };
}

/** Messages, active threads and users of the range. */
async function queryTotals(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['totals']> {
  return (
    await sql<RowOf<'totals'>>`
      SELECT count(*)::int AS messages, count(DISTINCT thread_id)::int AS active_threads, count(DISTINCT user_id)::int AS active_users
      FROM (${scope.messages}) f`.execute(trx)
  ).rows[0]!;
}

/** Activity per local day. */
async function queryPerDay(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['perDay']> {
  return (
    await sql<RowOf<'perDay'>>`
      SELECT to_char(${scope.local(sql.ref('created_at'))}, 'YYYY-MM-DD') AS day, count(*)::int AS messages,
             count(DISTINCT thread_id)::int AS active_threads, count(DISTINCT user_id)::int AS active_users
      FROM (${scope.messages}) f GROUP BY 1 ORDER BY 1`.execute(trx)
  ).rows;
}

/** Threads created per local day. */
async function queryNewThreadsPerDay(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['newThreadsPerDay']> {
  return (
    await sql<RowOf<'newThreadsPerDay'>>`
      SELECT to_char(${scope.local(sql.ref('t.created_at'))}, 'YYYY-MM-DD') AS day, count(*)::int AS threads
      FROM chat_thread t WHERE ${scope.inRange(sql.ref('t.created_at'))} ${scope.byUser} GROUP BY 1 ORDER BY 1`.execute(trx)
  ).rows;
}

/** Messages per local hour. */
async function queryHours(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['hours']> {
  return (
    await sql<RowOf<'hours'>>`
      SELECT extract(hour FROM ${scope.local(sql.ref('created_at'))})::int AS hour, count(*)::int AS messages
      FROM (${scope.messages}) f GROUP BY 1`.execute(trx)
  ).rows;
}

/** Messages per local ISO weekday and hour. */
async function queryWeekdayHours(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['weekdayHours']> {
  return (
    await sql<RowOf<'weekdayHours'>>`
      SELECT extract(isodow FROM ${scope.local(sql.ref('created_at'))})::int AS weekday,
             extract(hour FROM ${scope.local(sql.ref('created_at'))})::int AS hour, count(*)::int AS messages
      FROM (${scope.messages}) f GROUP BY 1, 2 ORDER BY 1, 2`.execute(trx)
  ).rows;
}

/** Messages per role. */
async function queryRoles(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['roles']> {
  return (
    await sql<RowOf<'roles'>>`
      SELECT role, count(*)::int AS messages FROM (${scope.messages}) f GROUP BY 1 ORDER BY 2 DESC, 1`.execute(trx)
  ).rows;
}

/** Messages per active thread: average, p90, max. */
async function queryThreadLength(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['threadLength']> {
  return (
    await sql<RowOf<'threadLength'>>`
      SELECT count(*)::int AS threads, avg(n)::float8 AS average,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY n)::float8 AS p90, max(n)::int AS max
      FROM (SELECT thread_id, count(*) AS n FROM (${scope.messages}) f GROUP BY thread_id) per_thread`.execute(trx)
  ).rows[0]!;
}

/** Messages and provider-reported usage per model. */
async function queryModels(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['models']> {
  return (
    await sql<RowOf<'models'>>`
      SELECT metadata -> 'chatModel' ->> 'provider' AS provider, metadata -> 'chatModel' ->> 'model' AS model,
             count(*)::int AS messages,
             count(*) FILTER (WHERE json_typeof(metadata -> 'usage') = 'object')::int AS with_usage,
             ${usageSum('inputTokens')} AS input, ${usageSum('outputTokens')} AS output, ${usageSum('totalTokens')} AS total,
             ${usageSum('reasoningTokens')} AS reasoning, ${usageSum('cachedInputTokens')} AS cached
      FROM (${scope.messages}) f
      WHERE json_typeof(metadata) = 'object'
        AND (json_typeof(metadata -> 'chatModel') = 'object' OR json_typeof(metadata -> 'usage') = 'object')
      GROUP BY 1, 2 ORDER BY 3 DESC, 1 NULLS LAST, 2 NULLS LAST LIMIT ${TOP_MODELS}`.execute(trx)
  ).rows;
}

/** Provider-reported tokens per local day of the models with the most tokens over the range. */
async function queryModelsPerDay(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['modelsPerDay']> {
  const provider = sql`metadata -> 'chatModel' ->> 'provider'`;
  const model = sql`metadata -> 'chatModel' ->> 'model'`;
  return (
    await sql<RowOf<'modelsPerDay'>>`
      WITH used AS (
        SELECT *, ${provider} AS provider, ${model} AS model FROM (${scope.messages}) f
        WHERE json_typeof(metadata) = 'object'
          AND (json_typeof(metadata -> 'chatModel') = 'object' OR json_typeof(metadata -> 'usage') = 'object')
      ), top AS (
        SELECT provider, model FROM used GROUP BY 1, 2
        ORDER BY ${usageSum('totalTokens')}::numeric DESC, count(*) DESC, 1 NULLS LAST, 2 NULLS LAST LIMIT ${TOP_MODELS_PER_DAY}
      )
      SELECT to_char(${scope.local(sql.ref('created_at'))}, 'YYYY-MM-DD') AS day, u.provider, u.model, count(*)::int AS messages,
             ${usageSum('inputTokens')} AS input, ${usageSum('outputTokens')} AS output, ${usageSum('totalTokens')} AS total
      FROM used u JOIN top ON top.provider IS NOT DISTINCT FROM u.provider AND top.model IS NOT DISTINCT FROM u.model
      GROUP BY 1, 2, 3 ORDER BY 1, 2 NULLS LAST, 3 NULLS LAST`.execute(trx)
  ).rows;
}

/** Tool calls and errors per tool name, by the rules of the part reader. */
async function queryTools(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['tools']> {
  return (
    await sql<RowOf<'tools'>>`
      SELECT name, count(*)::int AS calls, count(*) FILTER (WHERE is_error)::int AS errors
      FROM (${toolCalls(sql`SELECT p FROM (${scope.messages}) f, unnest(f.parts) AS p`)}) calls
      GROUP BY name ORDER BY calls DESC, name LIMIT ${TOP_TOOLS}`.execute(trx)
  ).rows;
}

/**
 * Messages and threads per agent named in the metadata. The name is shown only when the agent is visible to the
 * message's user (their own, or public/readonly, as archive_agent decides): metadata naming another user's private
 * agent must not reveal its name.
 */
async function queryAgents(trx: Transaction<Database>, scope: PatternScope): Promise<PatternAggregateRows['agents']> {
  return (
    await sql<RowOf<'agents'>>`
      SELECT f.metadata ->> 'agentId' AS agent_id, a.name, count(*)::int AS messages, count(DISTINCT f.thread_id)::int AS threads
      FROM (${scope.messages}) f
      LEFT JOIN agent a ON a.id::text = f.metadata ->> 'agentId' AND (a.user_id = f.user_id OR a.visibility IN ('public', 'readonly'))
      WHERE json_typeof(f.metadata) = 'object' AND coalesce(f.metadata ->> 'agentId', '') <> ''
      GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT ${TOP_AGENTS}`.execute(trx)
  ).rows;
}

/** The sum of one provider-reported usage field of `metadata`, as text. CASE, not AND: only CASE guarantees the cast runs on numbers alone. */
export function usageSum(field: string): RawBuilder<unknown> {
  return     sql`sum(CASE WHEN json_typeof(metadata -> 'usage' -> ${field}) = 'number'
                 THEN greatest((metadata -> 'usage' ->> ${field})::numeric, 0) ELSE 0 END)::text`;
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
