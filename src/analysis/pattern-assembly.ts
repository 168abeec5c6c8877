import { PATTERN_ANALYSIS_VERSION, patternAnalysisResultSchema, type PatternAnalysisResult } from './pattern-analysis-result.ts';

// Shapes the rows of the pattern aggregates (src/sql/pattern-aggregates.ts) into the stored result: days merged from
// activity and new threads, the 24 hours filled in, sums read as numbers. Pure, so tests feed it rows directly.

/** The rows the aggregate queries return, as PostgreSQL sends them. */
export interface PatternAggregateRows {
  readonly totals: { messages: number; active_threads: number; active_users: number };
  readonly perDay: readonly { day: string; messages: number; active_threads: number; active_users: number }[];
  readonly newThreadsPerDay: readonly { day: string; threads: number }[];
  readonly hours: readonly { hour: number; messages: number }[];
  readonly roles: readonly { role: string; messages: number }[];
  readonly threadLength: { threads: number; average: number | null; p90: number | null; max: number | null };
  readonly models: readonly {
      provider: string | null;
      model: string | null;
      messages: number;
      with_usage: number;
      input: string;
      output: string;
      total: string;
      reasoning: string;
      cached: string;
    }[];
  readonly modelsPerDay: readonly { day: string; provider: string | null; model: string | null; messages: number; input: string; output: string; total: string }[];
  readonly weekdayHours: readonly { weekday: number; hour: number; messages: number }[];
  readonly tools: readonly { name: string; calls: number; errors: number }[];
  readonly agents: readonly { agent_id: string; name: string | null; messages: number; threads: number }[];
}

export interface PatternRange {
  readonly start: Date;
  readonly end: Date;
  readonly userId: string | null;
  readonly timeZone: string;
}

export function assemblePatternAnalysis(query: PatternRange, rows: PatternAggregateRows): PatternAnalysisResult {
  const start = query.start.toISOString();
  const end = query.end.toISOString();
  const newThreads = new Map(rows.newThreadsPerDay.map((row) => [row.day, row.threads]));
  const days = [...new Set([...rows.perDay.map((row) => row.day), ...newThreads.keys()])].sort();
  const activity = new Map(rows.perDay.map((row) => [row.day, row]));
  const hourOfDay = Array.from({ length: 24 }, () => 0);
  for (const row of rows.hours) hourOfDay[row.hour] = row.messages;

  return patternAnalysisResultSchema.parse({
    version: PATTERN_ANALYSIS_VERSION,
    timeZone: query.timeZone,
    range: { start, end },
    userId: query.userId,
    totals: {
      messages: rows.totals.messages,
      activeThreads: rows.totals.active_threads,
      newThreads: rows.newThreadsPerDay.reduce((sum, row) => sum + row.threads, 0),
      activeUsers: rows.totals.active_users,
    },
    perDay: days.map((day) => ({
      day,
      messages: activity.get(day)?.messages ?? 0,
      activeThreads: activity.get(day)?.active_threads ?? 0,
      newThreads: newThreads.get(day) ?? 0,
      activeUsers: activity.get(day)?.active_users ?? 0,
    })),
    hourOfDay,
    byRole: Object.fromEntries(rows.roles.map((row) => [row.role, row.messages])),
    threadLength: {
      threads: rows.threadLength.threads,
      average: rows.threadLength.average ?? 0,
      p90: rows.threadLength.p90 ?? 0,
      max: rows.threadLength.max ?? 0,
    },
    tokensByModel: rows.models.map((row) => ({
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
    tokensByModelPerDay: rows.modelsPerDay.map((row) => ({
      day: row.day,
      provider: row.provider,
      model: row.model,
      messages: row.messages,
      inputTokens: Number(row.input),
      outputTokens: Number(row.output),
      totalTokens: Number(row.total),
    })),
    weekdayHour: rows.weekdayHours.map((row) => ({ weekday: row.weekday, hour: row.hour, messages: row.messages })),
    tools: rows.tools.map((row) => ({ ...row, errorRate: row.calls === 0 ? 0 : row.errors / row.calls })),
    agents: rows.agents.map((row) => ({ agentId: row.agent_id, name: row.name, messages: row.messages, threads: row.threads })),
  } satisfies PatternAnalysisResult);
}
