import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { analysisReportHtml, UnreadableAnalysisError } from '../report/analysis-html.ts';
import { REPORT_CONTENT_SECURITY_POLICY, renderReport } from '../report/render-report.ts';
import { usageReportPage } from '../report/usage-report.ts';
import { latestAllUsersAnalysis, patternAnalysisById, type PatternAnalysisRow } from '../sql/pattern-history.ts';
import { queryUsage } from '../sql/usage-report.ts';
import { createReportAccess, type ReportAccessOptions } from './report-access.ts';

export interface ReportRoutesOptions extends ReportAccessOptions {
  /** PATTERN_TZ: the months of the usage page are read on its calendar. */
  timeZone: string;
}

/** The report settings of a process whose ops endpoints listen on MCP_HOST. */
export function reportSettings(config: Pick<Config, 'mcp' | 'ops' | 'patterns'>): { listenHost: string; auth?: { user: string; password: string }; timeZone: string } {
  const auth = config.ops.dashboard.auth;
  return { listenHost: config.mcp.host, timeZone: config.patterns.timeZone, ...(auth ? { auth } : {}) };
}

export const REPORT_PATH_PREFIX = '/reports/';
const DEFAULT_USAGE_MONTHS = 12;
const usageParams = z.strictObject({ months: z.coerce.number().int().min(1).max(36).default(DEFAULT_USAGE_MONTHS) });

class ReportRequestError extends Error {
  readonly status: 400 | 404 | 405;
  constructor(status: 400 | 404 | 405, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * GET /reports/latest, /reports/<analysisId>, /reports/usage?months=N: read-only HTML pages with inline SVG charts,
 * behind the dashboard's access rules. Vega itself is loaded on the first chart drawn (src/report/chart-svg.ts).
 */
export function createReportRoutes(options: ReportRoutesOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const access = createReportAccess(options);
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://report.invalid');
    const verdict = await access(req);
    if (!verdict.allowed) {
      const headers: Record<string, string> = verdict.challenge ? { 'www-authenticate': verdict.challenge } : {};
      return sendText(res, req, verdict.status, verdict.message, headers);
    }
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ReportRequestError(405, 'the report pages are read-only: GET only');
      const html = await pageFor(url, options.db, options.timeZone);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
        'cache-control': 'no-store',
        'content-security-policy': REPORT_CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(req.method === 'HEAD' ? undefined : html);
    } catch (error) {
      if (error instanceof UnreadableAnalysisError) return sendText(res, req, 500, error.message, {});
      if (!(error instanceof ReportRequestError)) throw error;
      sendText(res, req, error.status, error.message, error.status === 405 ? { allow: 'GET, HEAD' } : {});
    }
  };
}

async function pageFor(url: URL, db: Kysely<Database>, timeZone: string): Promise<string> {
  const name = url.pathname.slice(REPORT_PATH_PREFIX.length);
  if (name === 'usage') {
    const params = usageParams.safeParse(Object.fromEntries(url.searchParams));
    if (!params.success) throw new ReportRequestError(400, `bad query: ${params.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ')}`);
    const usage = await queryUsage(db, { months: params.data.months, timeZone });
    return renderReport(usageReportPage({ ...usage, timeZone, generatedAt: new Date() }), { withLinks: true });
  }
  if (url.search !== '') throw new ReportRequestError(400, 'analysis reports take no query parameters');
  let row: PatternAnalysisRow | undefined;
  if (name === 'latest') {
    row = await latestAllUsersAnalysis(db);
    if (!row) throw new ReportRequestError(404, 'no analysis of all users recorded yet: run `chat-archiver analyze` or wait for the nightly run');
  } else {
    if (!z.uuid().safeParse(name).success) throw new ReportRequestError(400, `expected /reports/latest, /reports/usage or /reports/<analysis id (a uuid)>, got ${JSON.stringify(url.pathname)}`);
    row = await patternAnalysisById(db, name);
    if (!row) throw new ReportRequestError(404, `no analysis ${name}`);
  }
  return analysisReportHtml(row, { withLinks: true });
}

function sendText(res: ServerResponse, req: IncomingMessage, status: number, message: string, headers: Record<string, string>): void {
  const body = `${message}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}
