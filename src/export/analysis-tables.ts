import { conversationAnalysisSchema, type ConversationAnalysis } from '../analysis/conversation-analysis.ts';
import { formatUtc } from './display-format.ts';

/** One table of an export's analysis section: the same cells in Markdown and PDF. */
export interface AnalysisTable {
  title: string;
  columns: string[];
  /** Per column: text reads left, numbers right. */
  align: Array<'left' | 'right'>;
  rows: string[][];
}

const MAX_ROWS = 50;

function number(value: number): string {
  return Math.round(value).toLocaleString('en');
}

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const whole = Math.round(seconds);
  const days = Math.floor(whole / 86_400);
  const hours = Math.floor((whole % 86_400) / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  const pieces = [days ? `${days} d` : '', hours ? `${hours} h` : '', minutes ? `${minutes} min` : '', `${rest} s`];
  return pieces.filter(Boolean).slice(0, 2).join(' ');
}

function capped(rows: string[][], width: number): string[][] {
  if (rows.length <= MAX_ROWS) return rows;
  const note = [`… ${number(rows.length - MAX_ROWS)} more`, ...Array.from({ length: width - 1 }, () => '')];
  return [...rows.slice(0, MAX_ROWS), note];
}

function byKey(counts: Record<string, number>): string[][] {
  return Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([key, value]) => [key, number(value)]);
}

function timeSpan(a: ConversationAnalysis): AnalysisTable {
  return {
    title: 'Time span',
    columns: ['', ''],
    align: ['left', 'right'],
    rows: [
      ['First message', a.firstMessageAt ? formatUtc(new Date(a.firstMessageAt)) : '—'],
      ['Last message', a.lastMessageAt ? formatUtc(new Date(a.lastMessageAt)) : '—'],
      ['Duration', duration(a.durationSeconds)],
      ['Messages', number(a.messageCount)],
      ['Empty messages', number(a.emptyMessages)],
    ],
  };
}

function models(a: ConversationAnalysis): AnalysisTable {
  const rows = a.models.map((m) => [
    [m.provider, m.model].filter((piece) => piece !== null).join(' / ') || '(unknown)',
    number(m.messages),
    number(m.usage.inputTokens),
    number(m.usage.outputTokens),
    number(m.usage.totalTokens),
  ]);
  return {
    title: 'Provider tokens by model',
    columns: ['Model', 'Messages', 'Input', 'Output', 'Total'],
    align: ['left', 'right', 'right', 'right', 'right'],
    rows: capped(rows, 5),
  };
}

function tools(a: ConversationAnalysis): AnalysisTable {
  const rows = [...a.tools]
    .sort((x, y) => y.calls - x.calls || x.name.localeCompare(y.name))
    .map((t) => [t.name, number(t.calls), number(t.errors), number(t.incomplete)]);
  return {
    title: 'Tools',
    columns: ['Tool', 'Calls', 'Errors', 'Incomplete'],
    align: ['left', 'right', 'right', 'right'],
    rows: capped(rows, 4),
  };
}

/**
 * The conversation analysis as tables a person reads (time span, messages and tokens by role, tokens by model,
 * tools with their errors); empty tables are left out. Null when the value is not a conversation analysis of a
 * version this code knows, in which case a renderer shows the raw JSON instead.
 */
export function analysisTables(value: unknown): AnalysisTable[] | null {
  const parsed = conversationAnalysisSchema.safeParse(value);
  if (!parsed.success) return null;
  const a = parsed.data;
  const tables: AnalysisTable[] = [
    timeSpan(a),
    { title: 'Messages by role', columns: ['Role', 'Messages'], align: ['left', 'right'], rows: capped(byKey(a.roles), 2) },
    {
      title: `Tokens by role (${a.tokens.encoding})`,
      columns: ['Role', 'Tokens'],
      align: ['left', 'right'],
      rows: [...capped(byKey(a.tokens.byRole), 2), ['Total', number(a.tokens.total)]],
    },
    models(a),
    tools(a),
  ];
  return tables.filter((table) => table.rows.length > 0);
}
