import { describe, expect, it } from 'vitest';
import { modelLabel } from '../../src/report/analysis-report.ts';
import { renderReport } from '../../src/report/render-report.ts';
import { usageReportPage, type UsageRow } from '../../src/report/usage-report.ts';
import { chartOf, tableRows } from './report-tables.ts';

const HOSTILE_USER = '<script>document.title="owned"</script>';
const alice = { userId: '00000000-0000-4000-8000-00000000000a', userName: HOSTILE_USER };
const bob = { userId: '00000000-0000-4000-8000-00000000000b', userName: null };
const gpt = { provider: 'openai', model: 'gpt-4.1' };
const claude = { provider: 'anthropic', model: '"><svg onload=alert(1)>' };

const rows: UsageRow[] = [
  { month: '2026-01', ...alice, ...gpt, messages: 10, inputTokens: 1000, outputTokens: 200, totalTokens: 1200 },
  { month: '2026-01', ...bob, ...gpt, messages: 4, inputTokens: 300, outputTokens: 100, totalTokens: 400 },
  { month: '2026-02', ...alice, ...claude, messages: 6, inputTokens: 500, outputTokens: 250, totalTokens: 750 },
  { month: '2026-02', ...bob, provider: null, model: null, messages: 3, inputTokens: 0, outputTokens: 0, totalTokens: 0 },
];

const render = () =>
  renderReport(usageReportPage({ from: '2026-01-01', to: '2026-03-01', timeZone: 'UTC', generatedAt: new Date('2026-03-01T00:00:00Z'), rows }), { withLinks: true });

describe('the usage report page', () => {
  it('escapes user and model names', async () => {
    const html = await render();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(tableRows(html, 'tokens-per-user').map((r) => r[0])).toEqual([HOSTILE_USER, bob.userId]);
  });

  it('sums the rows per model and month, per user and month, and per user', async () => {
    const html = await render();
    expect(tableRows(html, 'tokens-per-month-by-model')).toEqual([
      ['2026-01', modelLabel('openai', 'gpt-4.1'), 14, 1300, 300, 1600],
      ['2026-02', modelLabel('anthropic', claude.model), 6, 500, 250, 750],
      ['2026-02', '(model not reported)', 3, 0, 0, 0],
    ]);
    expect(tableRows(html, 'messages-per-month-by-user')).toEqual([
      ['2026-01', HOSTILE_USER, 10, 1200],
      ['2026-01', bob.userId, 4, 400],
      ['2026-02', HOSTILE_USER, 6, 750],
      ['2026-02', bob.userId, 3, 0],
    ]);
    expect(tableRows(html, 'tokens-per-user')).toEqual([
      [HOSTILE_USER, 16, 1500, 450, 1950],
      [bob.userId, 7, 300, 100, 400],
    ]);
    expect(tableRows(html, 'usage-breakdown')).toHaveLength(rows.length);
    for (const id of ['tokens-per-month-by-model', 'messages-per-month-by-user', 'tokens-per-user']) expect(chartOf(html, id), id).toMatch(/class="mark-rect/);
  });

  it('folds the users past the top ten into one series of the chart, and keeps every user in its table', async () => {
    const many: UsageRow[] = Array.from({ length: 14 }, (_, i) => ({
      month: '2026-01', userId: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`, userName: `user ${i}`, ...gpt,
      messages: 100 - i, inputTokens: 1, outputTokens: 1, totalTokens: 2,
    }));
    const html = await renderReport(usageReportPage({ from: '2026-01-01', to: '2026-02-01', timeZone: 'UTC', generatedAt: new Date(), rows: many }), { withLinks: false });
    expect(tableRows(html, 'messages-per-month-by-user')).toHaveLength(14);
    const chart = chartOf(html, 'messages-per-month-by-user')!;
    expect(chart).toContain('other users');
    expect(chart).toContain('user 9');
    expect(chart).not.toContain('user 10<');
  });
});
