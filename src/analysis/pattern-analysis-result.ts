import { z } from 'zod';

// The result of one `analyze-patterns` run, stored in mcp_archiver.pattern_analysis.result (jsonb).

export const PATTERN_ANALYSIS_VERSION = 1;

const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();

export const patternAnalysisResultSchema = z.object({
  version: z.literal(PATTERN_ANALYSIS_VERSION),
  /** Days and hours are read on this zone's wall clock. */
  timeZone: z.string().min(1),
  range: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  userId: z.uuid().nullable(),
  totals: z.object({
    messages: count,
    /** Threads with at least one message in the range. */
    activeThreads: count,
    /** Threads created in the range. */
    newThreads: count,
    activeUsers: count,
  }),
  perDay: z.array(
    z.object({ day: z.iso.date(), messages: count, activeThreads: count, newThreads: count, activeUsers: count }),
  ),
  /** Messages by hour of day, 0 to 23. */
  hourOfDay: z.array(count).length(24),
  byRole: z.record(z.string(), count),
  /** Messages per thread, counting the messages inside the range. */
  threadLength: z.object({ threads: count, average: amount, p90: amount, max: count }),
  /** Provider-reported usage from assistant message metadata, by model. */
  tokensByModel: z.array(
    z.object({
      provider: z.string().nullable(),
      model: z.string().nullable(),
      messages: count,
      messagesWithUsage: count,
      inputTokens: amount,
      outputTokens: amount,
      totalTokens: amount,
      reasoningTokens: amount,
      cachedInputTokens: amount,
    }),
  ),
  /**
   * Provider-reported tokens per local day of the models with the most tokens in the range (the report's
   * tokens-over-time chart). Absent in results stored before it was recorded.
   */
  tokensByModelPerDay: z
    .array(
      z.object({ day: z.iso.date(), provider: z.string().nullable(), model: z.string().nullable(), messages: count, inputTokens: amount, outputTokens: amount, totalTokens: amount }),
    )
    .optional(),
  /** Messages by ISO weekday (1 = Monday) and hour of day, non-empty cells only. Absent in older results. */
  weekdayHour: z.array(z.object({ weekday: z.number().int().min(1).max(7), hour: z.number().int().min(0).max(23), messages: count })).optional(),
  tools: z.array(z.object({ name: z.string(), calls: count, errors: count, errorRate: z.number().min(0).max(1) })),
  agents: z.array(z.object({ agentId: z.string(), name: z.string().nullable(), messages: count, threads: count })),
});

export type PatternAnalysisResult = z.infer<typeof patternAnalysisResultSchema>;
