import { describe, expect, it } from 'vitest';
import type { PatternAnalysisResult } from '../../src/analysis/pattern-analysis-result.ts';
import { analysisReportPage, modelLabel, TOP_TOOLS_SHOWN } from '../../src/report/analysis-report.ts';
import { renderReport } from '../../src/report/render-report.ts';
import { chartOf, tableRows } from './report-tables.ts';

const HOSTILE = '<script>alert("x")</script>';
const HOSTILE_MODEL = '<img src=x onerror=alert(1)>';

function result(overrides: Partial<PatternAnalysisResult> = {}): PatternAnalysisResult {
  return {
    version: 1,
    timeZone: 'Europe/Paris',
    range: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-04T00:00:00.000Z' },
    userId: null,
    totals: { messages: 17, activeThreads: 5, newThreads: 4, activeUsers: 3 },
    perDay: [
      { day: '2026-01-01', messages: 7, activeThreads: 3, newThreads: 2, activeUsers: 2 },
      { day: '2026-01-02', messages: 0, activeThreads: 0, newThreads: 1, activeUsers: 0 },
      { day: '2026-01-03', messages: 10, activeThreads: 2, newThreads: 1, activeUsers: 3 },
    ],
    hourOfDay: Array.from({ length: 24 }, (_, h) => (h === 9 ? 10 : h === 22 ? 7 : 0)),
    byRole: { user: 9, assistant: 8 },
    threadLength: { threads: 5, average: 3.4, p90: 6, max: 7 },
    tokensByModel: [
      { provider: 'openai', model: HOSTILE_MODEL, messages: 8, messagesWithUsage: 8, inputTokens: 1200, outputTokens: 300, totalTokens: 1500, reasoningTokens: 0, cachedInputTokens: 0 },
    ],
    tokensByModelPerDay: [
      { day: '2026-01-01', provider: 'openai', model: HOSTILE_MODEL, messages: 3, inputTokens: 500, outputTokens: 100, totalTokens: 600 },
      { day: '2026-01-03', provider: 'openai', model: HOSTILE_MODEL, messages: 5, inputTokens: 700, outputTokens: 200, totalTokens: 900 },
    ],
    weekdayHour: [
      { weekday: 4, hour: 9, messages: 7 },
      { weekday: 6, hour: 9, messages: 3 },
      { weekday: 6, hour: 22, messages: 7 },
    ],
    tools: [
      { name: HOSTILE, calls: 8, errors: 2, errorRate: 0.25 },
      { name: 'web_search', calls: 4, errors: 0, errorRate: 0 },
    ],
    agents: [{ agentId: 'a1', name: HOSTILE, messages: 4, threads: 1 }],
    ...overrides,
  };
}

const page = (r: PatternAnalysisResult) =>
  renderReport(analysisReportPage({ analysisId: '7d3c1c50-0000-4000-8000-000000000001', createdAt: new Date('2026-01-04T03:00:00Z'), trigger: 'schedule', scope: 'all', result: r }), { withLinks: true });

describe('the analysis report page', () => {
  it('escapes every name, in the tables and in the charts', async () => {
    const html = await page(result());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(tableRows(html, 'top-tools')[0]![0]).toBe(HOSTILE);
    expect(tableRows(html, 'tokens-by-model')[0]![1]).toBe(modelLabel('openai', HOSTILE_MODEL));
    // Vega writes the axis labels as SVG text: escaped as well.
    expect(chartOf(html, 'top-tools')).toContain('&lt;script&gt;');
  });

  it('tables the numbers it was given', async () => {
    const r = result();
    const html = await page(r);
    // The range ends at 01:00 on 4 January in Paris: that day is in it, without activity.
    const zeroDay = { day: '2026-01-04', messages: 0, activeThreads: 0, newThreads: 0, activeUsers: 0 };
    expect(tableRows(html, 'messages-per-day')).toEqual([...r.perDay, zeroDay].map((d) => [d.day, d.messages, d.activeThreads, d.newThreads]));
    expect(tableRows(html, 'active-users')).toEqual([...r.perDay, zeroDay].map((d) => [d.day, d.activeUsers]));
    // One bar per day, quiet days included.
    expect(chartOf(html, 'messages-per-day')!.match(/aria-roledescription="bar"/g)).toHaveLength(4);
    expect(tableRows(html, 'top-tools')).toEqual([
      [HOSTILE, 8, 2, 0.25],
      ['web_search', 4, 0, 0],
    ]);
    expect(tableRows(html, 'tokens-by-model')).toEqual(r.tokensByModelPerDay!.map((d) => [d.day, modelLabel(d.provider, d.model), d.messages, d.inputTokens, d.outputTokens, d.totalTokens]));
    const heat = tableRows(html, 'weekday-hour');
    expect(heat.map((row) => row[0])).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    expect(heat[3]![1 + 9]).toBe(7);
    expect(heat[5]![1 + 9]).toBe(3);
    expect(heat[5]![1 + 22]).toBe(7);
    expect(heat.map((row) => row[25])).toEqual([0, 0, 0, 7, 0, 10, 0]);
    expect(heat.flatMap((row) => row.slice(1, 25)).reduce((s: number, n) => s + Number(n), 0)).toBe(17);
  });

  it('draws every chart as inline SVG with marks, and loads nothing', async () => {
    const html = await page(result());
    for (const id of ['messages-per-day', 'weekday-hour', 'tokens-by-model', 'top-tools', 'active-users']) {
      const svg = chartOf(html, id);
      expect(svg, id).toMatch(/^<svg /);
      expect(svg, id).toMatch(/class="mark-(rect|line|symbol)/);
    }
    // 7 × 24 heatmap cells.
    expect((chartOf(html, 'weekday-hour')!.match(/<path /g) ?? []).length).toBeGreaterThanOrEqual(168);
    // No tag has a source attribute (attribute values, where escaped names sit, left out).
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\s(src|srcset)=/);
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(['/reports/latest', '/reports/usage']);
    expect(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')).not.toMatch(/https?:\/\//);
  });

  it('keeps the top tools only', async () => {
    const tools = Array.from({ length: 30 }, (_, i) => ({ name: `tool${i}`, calls: 100 - i, errors: 1, errorRate: 1 / (100 - i) }));
    const html = await page(result({ tools }));
    expect(tableRows(html, 'top-tools').map((row) => row[0])).toEqual(tools.slice(0, TOP_TOOLS_SHOWN).map((t) => t.name));
  });

  it('says so instead of drawing an empty range or one recorded before weekdays and daily tokens', async () => {
    const { tokensByModelPerDay: _days, weekdayHour: _cells, ...older } = result();
    const html = await page({ ...older, perDay: [], tools: [], totals: { messages: 0, activeThreads: 0, newThreads: 0, activeUsers: 0 } });
    for (const id of ['messages-per-day', 'weekday-hour', 'tokens-by-model', 'top-tools', 'active-users']) expect(chartOf(html, id), id).toBeUndefined();
    expect(html).toContain('recorded before weekdays were counted');
    expect(html).toContain('recorded before tokens were counted per day');
    expect(tableRows(html, 'messages-per-day').map((row) => row.slice(1))).toEqual(Array.from({ length: 4 }, () => [0, 0, 0]));
  });

  it('leaves the links out of the archived file', async () => {
    const html = await renderReport(
      analysisReportPage({ analysisId: 'a', createdAt: new Date(), trigger: 'schedule', scope: 'all', result: result() }),
      { withLinks: false },
    );
    expect(html).not.toContain('href=');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
  });
});
