import { z } from 'zod';
import { analyzePatternsJob, MAX_PATTERN_RANGE_DAYS } from '../../jobs/analyze-patterns.ts';
import { userInScope } from '../caller.ts';
import { enqueueWithinQuota } from '../job-quota.ts';
import { defineTool } from '../tool-definition.ts';
import { ToolError } from '../tool-error.ts';
import { adminUserIdArgument, isoDateTime, queuedJob } from '../tool-schemas.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_PATTERN_RANGE_DAYS = 7;

const timeRange = z
  .strictObject({ start: isoDateTime, end: isoDateTime })
  .refine((r) => Date.parse(r.start) < Date.parse(r.end), 'start must be before end')
  .refine((r) => Date.parse(r.end) - Date.parse(r.start) <= MAX_PATTERN_RANGE_DAYS * DAY_MS, `may span at most ${MAX_PATTERN_RANGE_DAYS} days`);

export const analyzeConversationPatternsTool = defineTool({
  name: 'analyze_conversation_patterns',
  title: 'Analyse conversation patterns',
  description:
    'Queue an analysis of conversation patterns (activity, models, tools, agents, token usage, languages) over ' +
    `\`timeRange\` — by default the last ${DEFAULT_PATTERN_RANGE_DAYS} days; at most ${MAX_PATTERN_RANGE_DAYS} days for admin tokens, fewer for others (the server says how many). ` +
    'It covers your own conversations. Only admin tokens may pass `userId` (another user) or `allUsers: true` (everyone). ' +
    'Answers at once with {jobId, status: "queued"}; poll get_job until completed: its result is the analysis.',
  input: z.strictObject({
    timeRange: timeRange.optional().describe(`ISO date-times, start before end; default: the last ${DEFAULT_PATTERN_RANGE_DAYS} days`),
    userId: adminUserIdArgument("analyse this user"),
    allUsers: z.boolean({ error: 'expected true or false' }).optional().describe('Admin tokens only: analyse every user'),
  }),
  output: z.object({
    ...queuedJob,
    timeRange: z.object({ start: z.string(), end: z.string() }),
    scope: z.enum(['user', 'all']),
    userId: z.string().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(input, { caller, deps }) {
    if (input.allUsers && input.userId !== undefined) throw new ToolError('invalid_input', 'give either userId or allUsers, not both');
    if (input.allUsers && !caller.admin) throw new ToolError('invalid_input', 'allUsers: only an admin token may analyse every user');
    const userId = input.allUsers ? undefined : userInScope(caller, input.userId);
    if (input.timeRange && Date.parse(input.timeRange.start) > Date.now()) {
      throw new ToolError('invalid_input', 'timeRange: starts in the future, where there are no conversations yet');
    }
    const range = input.timeRange
      ? { start: new Date(input.timeRange.start).toISOString(), end: new Date(input.timeRange.end).toISOString() }
      : defaultRange(new Date());
    const days = (Date.parse(range.end) - Date.parse(range.start)) / DAY_MS;
    if (!caller.admin && days > deps.limits.analysisMaxDays) {
      throw new ToolError(
        'limited',
        `timeRange: spans ${Math.ceil(days)} days, more than the ${deps.limits.analysisMaxDays} days a non-admin token may analyse (MCP_ANALYSIS_MAX_DAYS); ask for a shorter range`,
      );
    }
    const { jobId, deduplicated } = await enqueueWithinQuota({ caller, deps }, analyzePatternsJob, {
      range,
      ...(userId ? { userId } : {}),
      requestedBy: caller.userId,
      trigger: 'tool',
    });
    return { jobId, status: 'queued' as const, deduplicated, timeRange: range, scope: userId ? ('user' as const) : ('all' as const), userId: userId ?? null };
  },
});

/** The last week up to the next whole minute, so that repeated requests within a minute collapse into one job. */
function defaultRange(now: Date): { start: string; end: string } {
  const end = Math.ceil(now.getTime() / 60_000) * 60_000;
  return { start: new Date(end - DEFAULT_PATTERN_RANGE_DAYS * DAY_MS).toISOString(), end: new Date(end).toISOString() };
}
