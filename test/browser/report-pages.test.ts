import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startOpsServer } from '../../src/ops/ops-routes.ts';
import { createReportRoutes } from '../../src/ops/report-routes.ts';
import { DEMO_USAGE_MONTHS, recordDemoAnalysis } from '../support/report-fixtures.ts';
import { chromiumInstalled, CHROMIUM_PATH, launchSystemChromium } from '../support/system-chromium.ts';
import { useSuite } from '../support/suite.ts';
import { createTestDatabase } from '../support/test-database.ts';

if (!chromiumInstalled) console.warn(`report browser test skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);

/** What a page did while it loaded: console errors, uncaught exceptions, and every URL it requested. */
async function visit(page: Page, url: string): Promise<{ errors: string[]; requests: string[] }> {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  const response = await page.goto(url, { waitUntil: 'networkidle' });
  expect(response?.status()).toBe(200);
  return { errors, requests };
}

// In-page scripts as strings: this project's TypeScript has no DOM types.
const DRAWN_MARKS = `(() => {
  const counts = {};
  for (const figure of document.querySelectorAll('figure[data-chart]')) {
    const marks = [...figure.querySelectorAll('g.role-mark path, g.role-mark rect')].filter((mark) => {
      const box = mark.getBBox();
      return mark.getAttribute('d') !== '' && (box.width > 0 || box.height > 0);
    });
    counts[figure.getAttribute('data-chart')] = marks.length;
  }
  return counts;
})()`;
const TABLE_ROWS = `[...document.querySelectorAll('table[data-table]')].map((t) => t.querySelectorAll('tbody tr').length)`;
const DEMO_COUNTS = `({
  cells: document.querySelectorAll('figure[data-chart="weekday-hour"] g.mark-rect.role-mark path').length,
  bars: document.querySelectorAll('figure[data-chart="messages-per-day"] g.mark-rect.role-mark path').length,
  days: document.querySelectorAll('table[data-table="messages-per-day"] tbody tr').length,
})`;

/** Per chart: the marks Vega drew (paths and rects inside its mark groups) that cover some area or length. */
const drawnMarks = (page: Page) => page.evaluate(DRAWN_MARKS) as Promise<Record<string, number>>;

describe.skipIf(!chromiumInstalled)('the report pages in Chromium', () => {
  const suite = useSuite(async (release) => {
    const db = release(await createTestDatabase());
    const analysisId = await recordDemoAnalysis(db, 'schedule');
    const reports = createReportRoutes({ db: db.service, timeZone: 'Europe/Paris', listenHost: '127.0.0.1' });
    const notProbed = async () => ({ ready: true, checks: { database: { ok: true, ms: 0 }, pgBoss: { ok: true, ms: 0 } } });
    const server = release(await startOpsServer({ host: '127.0.0.1', port: 0, readiness: notProbed, reports }));
    const browser = release(await launchSystemChromium());
    return { server, browser, analysisId };
  });

  const pages = () => [
    { path: '/reports/latest', charts: ['messages-per-day', 'weekday-hour', 'tokens-by-model', 'top-tools', 'active-users'] },
    { path: `/reports/${suite.analysisId}`, charts: ['messages-per-day', 'weekday-hour', 'tokens-by-model', 'top-tools', 'active-users'] },
    { path: `/reports/usage?months=${DEMO_USAGE_MONTHS}`, charts: ['tokens-per-month-by-model', 'messages-per-month-by-user', 'tokens-per-user'] },
  ];

  it('load without console errors or requests beyond the page, and every chart has drawn marks', async () => {
    for (const { path, charts } of pages()) {
      const page = await suite.browser.context.newPage();
      try {
        const { errors, requests } = await visit(page, `${suite.server.url}${path}`);
        expect(errors, path).toEqual([]);
        expect(requests, path).toEqual([`${suite.server.url}${path}`]);
        const marks = await drawnMarks(page);
        expect(Object.keys(marks).sort(), path).toEqual([...charts].sort());
        for (const chart of charts) expect(marks[chart], `${path} ${chart}`).toBeGreaterThan(0);
        // A table under every chart, with rows.
        const tableRows = (await page.evaluate(TABLE_ROWS)) as number[];
        expect(tableRows.every((n) => n > 0), path).toBe(true);
        if (path === '/reports/latest' && process.env.REPORT_SCREENSHOT) await page.screenshot({ path: process.env.REPORT_SCREENSHOT, fullPage: true });
      } finally {
        await page.close();
      }
    }
  });

  it('draws 168 heatmap cells and one bar per day of the demo analysis', async () => {
    const page = await suite.browser.context.newPage();
    try {
      await visit(page, `${suite.server.url}/reports/latest`);
      const counts = (await page.evaluate(DEMO_COUNTS)) as { cells: number; bars: number; days: number };
      expect(counts.cells).toBe(168);
      expect(counts.bars).toBe(counts.days);
    } finally {
      await page.close();
    }
  });
});
