import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { ExportStore } from '../export/object-store.ts';
import { analysisReportHtml } from '../report/analysis-html.ts';
import { patternAnalysisById, patternReportOf, recordPatternReport, type PatternReportFile } from '../sql/pattern-history.ts';

/** The store directory of the archived reports: `pattern-reports/<analysisId>.<jobId>.html`. */
export const PATTERN_REPORTS_DIR = 'pattern-reports';

/**
 * Writes the report of a recorded analysis as one self-contained HTML file into the export store and records its
 * location beside the history row. A retried job finds the row and writes nothing; one that crashed between the
 * upload and the row overwrites its own object (the job id is in the key).
 */
export async function archivePatternReport(deps: { db: Kysely<Database>; store: ExportStore }, run: { analysisId: string; jobId: string }): Promise<PatternReportFile> {
  const recorded = await patternReportOf(deps.db, run.analysisId);
  if (recorded) return recorded;
  const row = await patternAnalysisById(deps.db, run.analysisId);
  if (!row) throw new Error(`analysis ${run.analysisId} is not in the history`);
  const html = await analysisReportHtml(row, { withLinks: false });
  const file = await deps.store.create({ archiveId: PATTERN_REPORTS_DIR, threadId: run.analysisId, jobId: run.jobId, format: 'html' }, 'text/html; charset=utf-8');
  let written;
  try {
    await file.write(html);
    written = await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
  const report = { storageLocation: written.storageLocation, fileSize: written.fileSize, sha256: written.sha256 };
  await recordPatternReport(deps.db, run.analysisId, report);
  return (await patternReportOf(deps.db, run.analysisId)) ?? report;
}
