import { patternAnalysisResultSchema } from '../analysis/pattern-analysis-result.ts';
import type { PatternAnalysisRow } from '../sql/pattern-history.ts';
import { analysisReportPage } from './analysis-report.ts';
import { renderReport } from './render-report.ts';

export class UnreadableAnalysisError extends Error {
  override readonly name = 'UnreadableAnalysisError';
}

/** The report of one history row: served by the ops routes, archived by the nightly run (without links). */
export async function analysisReportHtml(row: PatternAnalysisRow, options: { withLinks: boolean }): Promise<string> {
  const result = patternAnalysisResultSchema.safeParse(row.result);
  if (!result.success) throw new UnreadableAnalysisError(`analysis ${row.id} holds a result this version cannot read`);
  return renderReport(analysisReportPage({ analysisId: row.id, createdAt: row.createdAt, trigger: row.trigger, scope: row.scope, result: result.data }), options);
}
