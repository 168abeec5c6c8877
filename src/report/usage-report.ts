import { modelLabel } from './analysis-report.ts';
import { stackedBarChart, rankedBarChart } from './chart-specs.ts';
import type { ReportPage, ReportSection } from './report-page.ts';

/** Messages and provider-reported tokens of one user with one model in one month (src/sql/usage-report.ts). */
export interface UsageRow {
  month: string;
  userId: string;
  /** The user's display name; null when the account has none. */
  userName: string | null;
  provider: string | null;
  model: string | null;
  messages: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface UsageReportInput {
  /** First day of the first month, and the end (exclusive), ISO dates. */
  from: string;
  to: string;
  timeZone: string;
  generatedAt: Date;
  rows: readonly UsageRow[];
}

/** Users drawn one by one in the monthly chart; the others are stacked as one. */
export const USERS_CHARTED = 10;
const OTHER_USERS = 'other users';

export function userLabel(row: Pick<UsageRow, 'userId' | 'userName'>): string {
  return row.userName === null || row.userName.trim() === '' ? row.userId : row.userName;
}

interface Tally {
  messages: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

function tally(rows: readonly UsageRow[], key: (row: UsageRow) => string): Map<string, Tally & { first: UsageRow }> {
  const totals = new Map<string, Tally & { first: UsageRow }>();
  for (const row of rows) {
    const k = key(row);
    const t = totals.get(k) ?? { messages: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, first: row };
    totals.set(k, t);
    t.messages += row.messages;
    t.inputTokens += row.inputTokens;
    t.outputTokens += row.outputTokens;
    t.totalTokens += row.totalTokens;
  }
  return totals;
}

const byMonth = (a: { month: string }, b: { month: string }) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0);

function tokensPerMonthByModel(input: UsageReportInput): ReportSection {
  const totals = [...tally(input.rows, (r) => JSON.stringify([r.month, r.provider, r.model])).values()]
    .map((t) => ({ month: t.first.month, model: modelLabel(t.first.provider, t.first.model), ...t }))
    .sort((a, b) => byMonth(a, b) || b.totalTokens - a.totalTokens);
  return {
    id: 'tokens-per-month-by-model',
    title: 'Tokens per month by model',
    chart: stackedBarChart(totals.map((t) => ({ month: t.month, model: t.model, tokens: t.totalTokens })), { field: 'month', title: 'Month' }, { field: 'tokens', title: 'Total tokens' }, { field: 'model', title: 'Model' }),
    ...(totals.length === 0 ? { emptyNote: 'No model usage reported in these months.' } : {}),
    table: {
      columns: ['Month', 'Model', 'Messages', 'Input tokens', 'Output tokens', 'Total tokens'],
      rows: totals.map((t) => [t.month, t.model, t.messages, t.inputTokens, t.outputTokens, t.totalTokens]),
    },
  };
}

function messagesPerMonthByUser(input: UsageReportInput): ReportSection {
  const perUser = [...tally(input.rows, (r) => r.userId).entries()].sort(([, a], [, b]) => b.messages - a.messages);
  const charted = new Set(perUser.slice(0, USERS_CHARTED).map(([id]) => id));
  const totals = [...tally(input.rows, (r) => JSON.stringify([r.month, r.userId])).values()]
    .map((t) => ({ month: t.first.month, user: userLabel(t.first), userId: t.first.userId, ...t }))
    .sort((a, b) => byMonth(a, b) || b.messages - a.messages);
  const chartRows = [...tally(input.rows, (r) => JSON.stringify([r.month, charted.has(r.userId) ? r.userId : OTHER_USERS])).values()].map((t) => ({
    month: t.first.month,
    user: charted.has(t.first.userId) ? userLabel(t.first) : OTHER_USERS,
    messages: t.messages,
  }));
  return {
    id: 'messages-per-month-by-user',
    title: `Messages per month by user (top ${USERS_CHARTED} drawn apart)`,
    chart: stackedBarChart(chartRows.sort(byMonth), { field: 'month', title: 'Month' }, { field: 'messages', title: 'Messages' }, { field: 'user', title: 'User' }),
    ...(totals.length === 0 ? { emptyNote: 'No messages in these months.' } : {}),
    table: {
      columns: ['Month', 'User', 'Messages', 'Total tokens'],
      rows: totals.map((t) => [t.month, t.user, t.messages, t.totalTokens]),
    },
  };
}

function tokensPerUser(input: UsageReportInput): ReportSection {
  const totals = [...tally(input.rows, (r) => r.userId).values()].sort((a, b) => b.totalTokens - a.totalTokens || b.messages - a.messages);
  const shown = totals.slice(0, 25);
  return {
    id: 'tokens-per-user',
    title: 'Tokens per user',
    chart: rankedBarChart(
      shown.flatMap((t) => [
        { user: userLabel(t.first), part: 'input', tokens: t.inputTokens, total: t.totalTokens, partOrder: 0 },
        { user: userLabel(t.first), part: 'output', tokens: t.outputTokens, total: t.totalTokens, partOrder: 1 },
      ]),
      { field: 'user', title: 'User' },
      { field: 'tokens', title: 'Tokens' },
      { field: 'part', title: 'Tokens', order: ['input', 'output'], colors: ['#3b6fd4', '#f0a030'] },
    ),
    ...(totals.length === 0 ? { emptyNote: 'No messages in these months.' } : {}),
    table: {
      columns: ['User', 'Messages', 'Input tokens', 'Output tokens', 'Total tokens'],
      rows: totals.map((t) => [userLabel(t.first), t.messages, t.inputTokens, t.outputTokens, t.totalTokens]),
    },
  };
}

function breakdown(input: UsageReportInput): ReportSection {
  const rows = [...input.rows].sort((a, b) => byMonth(a, b) || userLabel(a).localeCompare(userLabel(b)) || b.totalTokens - a.totalTokens);
  return {
    id: 'usage-breakdown',
    title: 'Per user, model and month',
    chart: undefined,
    table: {
      columns: ['Month', 'User', 'Model', 'Messages', 'Input tokens', 'Output tokens', 'Total tokens'],
      rows: rows.map((r) => [r.month, userLabel(r), modelLabel(r.provider, r.model), r.messages, r.inputTokens, r.outputTokens, r.totalTokens]),
    },
  };
}

/** Messages and tokens per user, model and month, from the messages' metadata. */
export function usageReportPage(input: UsageReportInput): ReportPage {
  const sum = (pick: (r: UsageRow) => number) => input.rows.reduce((s, r) => s + pick(r), 0);
  return {
    title: `Usage ${input.from.slice(0, 7)} to ${input.to.slice(0, 7)}`,
    subtitle: [
      `Messages from ${input.from} to ${input.to} (exclusive), months in ${input.timeZone}; tokens as providers reported them`,
      `Made ${input.generatedAt.toISOString()}`,
    ],
    summary: [
      { label: 'Messages', value: sum((r) => r.messages) },
      { label: 'Total tokens', value: sum((r) => r.totalTokens) },
      { label: 'Users', value: new Set(input.rows.map((r) => r.userId)).size },
      { label: 'Models', value: new Set(input.rows.filter((r) => r.provider !== null || r.model !== null).map((r) => JSON.stringify([r.provider, r.model]))).size },
    ],
    links: [
      { href: '/reports/latest', label: 'Latest analysis' },
      { href: '/reports/usage', label: 'Usage per user and model' },
    ],
    sections: [tokensPerMonthByModel(input), messagesPerMonthByUser(input), tokensPerUser(input), breakdown(input)],
  };
}
