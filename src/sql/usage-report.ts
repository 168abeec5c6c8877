import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { UsageRow } from '../report/usage-report.ts';
import { usageSum } from './pattern-aggregates.ts';
import { inReadOnlySnapshot } from './read-only-snapshot.ts';

export interface UsageQuery {
  /** How many months, the current one included. */
  months: number;
  timeZone: string;
}

export interface UsageAggregates {
  /** First day of the first month and first day after the last, on `timeZone`'s calendar. */
  from: string;
  to: string;
  rows: UsageRow[];
}

const STATEMENT_TIMEOUT = '2min';

/**
 * Messages and provider-reported tokens per month, user and model, from every message of the last `months` months
 * (message metadata: `chatModel`, `usage`), with the users' names. One read-only snapshot; no message text is read.
 */
export async function queryUsage(db: Kysely<Database>, query: UsageQuery): Promise<UsageAggregates> {
  return inReadOnlySnapshot(db, STATEMENT_TIMEOUT, async (trx) => {
    const bounds = (
      await sql<{ from: string; to: string }>`
        SELECT to_char(first, 'YYYY-MM-DD') AS "from", to_char(first + make_interval(months => ${query.months}), 'YYYY-MM-DD') AS "to"
        FROM (SELECT date_trunc('month', now() AT TIME ZONE ${query.timeZone}) - make_interval(months => ${query.months - 1}) AS first) b`.execute(trx)
    ).rows[0]!;
    // Local calendar bounds turned into the UTC wall clock the host's timestamps use.
    const utc = (day: string) => sql`((${day}::timestamp AT TIME ZONE ${query.timeZone}) AT TIME ZONE 'UTC')`;
    const local = sql`((m.created_at AT TIME ZONE 'UTC') AT TIME ZONE ${query.timeZone})`;
    const { rows } = await sql<{ month: string; user_id: string; user_name: string | null; provider: string | null; model: string | null; messages: number; input: string; output: string; total: string }>`
      SELECT to_char(${local}, 'YYYY-MM') AS month, t.user_id, u.name AS user_name,
             CASE WHEN json_typeof(m.metadata -> 'chatModel') = 'object' THEN m.metadata -> 'chatModel' ->> 'provider' END AS provider,
             CASE WHEN json_typeof(m.metadata -> 'chatModel') = 'object' THEN m.metadata -> 'chatModel' ->> 'model' END AS model,
             count(*)::int AS messages,
             ${usageSum('inputTokens')} AS input, ${usageSum('outputTokens')} AS output, ${usageSum('totalTokens')} AS total
      FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id LEFT JOIN "user" u ON u.id = t.user_id
      WHERE m.created_at >= ${utc(bounds.from)} AND m.created_at < ${utc(bounds.to)}
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 4 NULLS LAST, 5 NULLS LAST`.execute(trx);
    return {
      ...bounds,
      rows: rows.map((r) => ({
        month: r.month,
        userId: r.user_id,
        userName: r.user_name,
        provider: r.provider,
        model: r.model,
        messages: r.messages,
        inputTokens: Number(r.input),
        outputTokens: Number(r.output),
        totalTokens: Number(r.total),
      })),
    };
  });
}
