import type { Kysely } from 'kysely';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';
import type { ExportStore } from '../export/object-store.ts';
import type { AnalyzePatternsPayload } from './analyze-patterns.ts';
import type { JobHandler } from './job-handler.ts';
import { archivePatternReport } from './pattern-report-archive.ts';
import { queryPatterns } from '../sql/pattern-aggregates.ts';
import { recordPatternAnalysis } from '../sql/pattern-history.ts';

export interface AnalyzePatternsOutput {
  analysisId: string;
  scope: 'all' | 'user';
  range: { start: string; end: string };
  messages: number;
  activeThreads: number;
  activeUsers: number;
  /** Where the nightly run archived the HTML report (scheduled runs only). */
  reportLocation?: string;
}

export interface AnalyzePatternsDeps {
  /** Connected as the service role. */
  db: Kysely<Database>;
  /** Wall-clock zone of the per-day and hour-of-day buckets (PATTERN_TZ). */
  timeZone: string;
  /** The export store: a scheduled run archives its HTML report there. */
  reportStore?: ExportStore;
}

/**
 * The `analyze-patterns` job: aggregates the range in SQL and appends one row to the analysis history. The row is
 * keyed by the job id, so a retry after a crash records the run once. A scheduled (nightly) run also archives the
 * report of the row as an HTML file in the export store.
 */
export function createAnalyzePatternsHandler(deps: AnalyzePatternsDeps): JobHandler<AnalyzePatternsPayload, AnalyzePatternsOutput> {
  return async (payload, context) => {
    const userId = payload.userId ?? null;
    const result = await queryPatterns(deps.db, {
      start: new Date(payload.range.start),
      end: new Date(payload.range.end),
      userId,
      timeZone: deps.timeZone,
    });
    context.signal.throwIfAborted();
    const scope = userId === null ? 'all' : 'user';
    const analysisId = await actingAs(deps.db, userId === null ? { system: true } : { userId }, (trx) =>
      recordPatternAnalysis(trx, {
        jobId: context.jobId,
        scope,
        userId,
        range: result.range,
        trigger: payload.trigger,
        requestedBy: payload.requestedBy ?? null,
        result,
      }),
    );
    context.signal.throwIfAborted();
    const report =
      payload.trigger === 'schedule' && deps.reportStore
        ? await archivePatternReport({ db: deps.db, store: deps.reportStore }, { analysisId, jobId: context.jobId })
        : undefined;
    return {
      ...(report ? { reportLocation: report.storageLocation } : {}),
      analysisId,
      scope,
      range: result.range,
      messages: result.totals.messages,
      activeThreads: result.totals.activeThreads,
      activeUsers: result.totals.activeUsers,
    };
  };
}
