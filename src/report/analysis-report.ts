import type { PatternAnalysisResult } from '../analysis/pattern-analysis-result.ts';
import { barChart, heatmapChart, lineChart, rankedBarChart } from './chart-specs.ts';
import { rangeDays } from './range-days.ts';
import type { ReportPage, ReportSection } from './report-page.ts';

/** One row of the analysis history, as the report shows it. */
export interface AnalysisReportInput {
  analysisId: string;
  createdAt: Date;
  trigger: string;
  scope: 'all' | 'user';
  result: PatternAnalysisResult;
}

export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
export const TOP_TOOLS_SHOWN = 15;
const NOTHING = 'No messages in this range.';

/** How a model is named on the page: provider and model as the message metadata reported them. */
export function modelLabel(provider: string | null, model: string | null): string {
  if (provider === null && model === null) return '(model not reported)';
  return provider === null ? (model as string) : `${provider} / ${model ?? '(model not reported)'}`;
}

type Day = PatternAnalysisResult['perDay'][number];

/** Every day of the range, those without activity as zeros: a quiet day shows as a gap in the bars, not as nothing. */
export function everyDay(result: PatternAnalysisResult): Day[] {
  const recorded = new Map(result.perDay.map((d) => [d.day, d]));
  const days = new Set([...rangeDays(result.range, result.timeZone), ...recorded.keys()]);
  return [...days].sort().map((day) => recorded.get(day) ?? { day, messages: 0, activeThreads: 0, newThreads: 0, activeUsers: 0 });
}

/** One bar per day of a per-day count, or the note that the range has no messages. */
function dailyBars(result: PatternAnalysisResult, count: (day: Day) => number, title: string): Pick<ReportSection, 'chart' | 'emptyNote'> {
  const chart = barChart(everyDay(result).map((d) => ({ day: d.day, count: count(d) })), { field: 'day', title: 'Day' }, { field: 'count', title });
  return result.perDay.length === 0 ? { chart, emptyNote: NOTHING } : { chart };
}

function messagesPerDay(result: PatternAnalysisResult): ReportSection {
  return {
    id: 'messages-per-day',
    title: 'Messages per day',
    ...dailyBars(result, (d) => d.messages, 'Messages'),
    table: {
      columns: ['Day', 'Messages', 'Active threads', 'New threads'],
      rows: everyDay(result).map((d) => [d.day, d.messages, d.activeThreads, d.newThreads]),
    },
  };
}

function weekdayHourHeatmap(result: PatternAnalysisResult): ReportSection {
  const cells = result.weekdayHour;
  const grid = WEEKDAY_NAMES.map(() => HOURS.map(() => 0));
  for (const cell of cells ?? []) grid[cell.weekday - 1]![cell.hour] = cell.messages;
  const rows = WEEKDAY_NAMES.flatMap((weekday, w) => HOURS.map((hour) => ({ weekday, hour, messages: grid[w]![hour]! })));
  const empty = cells === undefined ? 'This analysis was recorded before weekdays were counted.' : cells.length === 0 ? NOTHING : undefined;
  return {
    id: 'weekday-hour',
    title: `Messages by weekday and hour (${result.timeZone})`,
    chart: heatmapChart(rows, { field: 'hour', title: 'Hour of day', order: HOURS }, { field: 'weekday', title: 'Weekday', order: WEEKDAY_NAMES }, { field: 'messages', title: 'Messages' }),
    ...(empty === undefined ? {} : { emptyNote: empty }),
    table: {
      columns: ['Weekday', ...HOURS.map(String), 'Total'],
      rows: cells === undefined ? [] : WEEKDAY_NAMES.map((weekday, w) => [weekday, ...grid[w]!, grid[w]!.reduce((sum, n) => sum + n, 0)]),
    },
  };
}

function tokensByModelOverTime(result: PatternAnalysisResult): ReportSection {
  const days = result.tokensByModelPerDay;
  const rows = (days ?? []).map((d) => ({ day: d.day, model: modelLabel(d.provider, d.model), tokens: d.totalTokens }));
  const empty = days === undefined ? 'This analysis was recorded before tokens were counted per day.' : days.length === 0 ? 'No model usage reported in this range.' : undefined;
  return {
    id: 'tokens-by-model',
    title: 'Tokens by model over time',
    chart: lineChart(rows, { field: 'day', title: 'Day' }, { field: 'tokens', title: 'Total tokens' }, { field: 'model', title: 'Model' }),
    ...(empty === undefined ? {} : { emptyNote: empty }),
    table: {
      columns: ['Day', 'Model', 'Messages', 'Input tokens', 'Output tokens', 'Total tokens'],
      rows: (days ?? []).map((d) => [d.day, modelLabel(d.provider, d.model), d.messages, d.inputTokens, d.outputTokens, d.totalTokens]),
    },
  };
}

function topTools(result: PatternAnalysisResult): ReportSection {
  const tools = result.tools.slice(0, TOP_TOOLS_SHOWN);
  const rows = tools.flatMap((t) => [
    { tool: t.name, outcome: 'succeeded', calls: t.calls - t.errors, total: t.calls, partOrder: 0 },
    { tool: t.name, outcome: 'failed', calls: t.errors, total: t.calls, partOrder: 1 },
  ]);
  return {
    id: 'top-tools',
    title: `Top ${TOP_TOOLS_SHOWN} tools and their error rates`,
    chart: rankedBarChart(rows, { field: 'tool', title: 'Tool' }, { field: 'calls', title: 'Calls' }, {
      field: 'outcome',
      title: 'Outcome',
      order: ['succeeded', 'failed'],
      colors: ['#3b6fd4', '#d9534f'],
    }),
    ...(tools.length === 0 ? { emptyNote: 'No tool calls in this range.' } : {}),
    table: {
      columns: ['Tool', 'Calls', 'Errors', 'Error rate'],
      rows: tools.map((t) => [t.name, t.calls, t.errors, { ratio: t.errorRate }]),
    },
  };
}

function activeUsers(result: PatternAnalysisResult): ReportSection {
  return {
    id: 'active-users',
    title: 'Active users per day',
    ...dailyBars(result, (d) => d.activeUsers, 'Active users'),
    table: { columns: ['Day', 'Active users'], rows: everyDay(result).map((d) => [d.day, d.activeUsers]) },
  };
}

/** The report of one analysis run: the charts of its aggregates, each with the table of its numbers. */
export function analysisReportPage(input: AnalysisReportInput): ReportPage {
  const { result } = input;
  return {
    title: `Usage patterns ${result.range.start.slice(0, 10)} to ${result.range.end.slice(0, 10)}`,
    subtitle: [
      `From ${result.range.start} to ${result.range.end} (exclusive), days and hours in ${result.timeZone}`,
      `${input.scope === 'all' ? 'All users' : 'One user'}; analysis ${input.analysisId}, ${input.trigger} run recorded ${input.createdAt.toISOString()}`,
    ],
    summary: [
      { label: 'Messages', value: result.totals.messages },
      { label: 'Active threads', value: result.totals.activeThreads },
      { label: 'New threads', value: result.totals.newThreads },
      { label: 'Active users', value: result.totals.activeUsers },
    ],
    links: [
      { href: '/reports/latest', label: 'Latest analysis' },
      { href: '/reports/usage', label: 'Usage per user and model' },
    ],
    sections: [messagesPerDay(result), weekdayHourHeatmap(result), tokensByModelOverTime(result), topTools(result), activeUsers(result)],
  };
}
