import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { patternAnalysisResultSchema } from '../analysis/pattern-analysis-result.ts';
import { actingAs } from '../db/acting-user.ts';
import type { Database } from '../db/database.ts';

const storedResult = z.union([patternAnalysisResultSchema, z.record(z.string(), z.unknown())]);

/**
 * The full result an `analyze-patterns` job stored in the analysis history (its job output is only a digest).
 * The caller must already be allowed to read the job; the read acts for the analysed user, or as the system for
 * an all-users analysis.
 */
export async function patternAnalysisOfJob(db: Kysely<Database>, jobId: string, analysedUserId: string | undefined): Promise<Record<string, unknown> | undefined> {
  const row = await actingAs(db, analysedUserId ? { userId: analysedUserId } : { system: true }, (trx) =>
    trx.selectFrom('mcp_archiver.pattern_analysis').select('result').where('job_id', '=', jobId).executeTakeFirst(),
  );
  if (!row) return undefined;
  const parsed = storedResult.safeParse(row.result);
  return parsed.success ? (parsed.data as Record<string, unknown>) : undefined;
}

export interface PatternAnalysisWrite {
  jobId: string;
  scope: 'all' | 'user';
  userId: string | null;
  range: { start: string; end: string };
  trigger: string;
  requestedBy: string | null;
  result: unknown;
}

/** Appends the run to the history, once per job id (a retry records nothing new); returns the row's id. */
export async function recordPatternAnalysis(db: Kysely<Database>, run: PatternAnalysisWrite): Promise<string> {
  await sql`
    INSERT INTO mcp_archiver.pattern_analysis (job_id, scope, user_id, range_start, range_end, trigger, requested_by, result)
    VALUES (${run.jobId}, ${run.scope}, ${run.userId}, ${run.range.start}, ${run.range.end}, ${run.trigger},
            ${run.requestedBy}, ${JSON.stringify(run.result)})
    ON CONFLICT (job_id) DO NOTHING`.execute(db);
  const row = await db.selectFrom('mcp_archiver.pattern_analysis').select('id').where('job_id', '=', run.jobId).executeTakeFirstOrThrow();
  return row.id;
}

/** One history row as the report pages read it; `result` is parsed by the caller. */
export interface PatternAnalysisRow {
  id: string;
  scope: 'all' | 'user';
  trigger: string;
  createdAt: Date;
  result: unknown;
}

const historyColumns = ['id', 'scope', 'trigger', 'created_at', 'result'] as const;

function toRow(row: { id: string; scope: string; trigger: string; created_at: Date; result: unknown }): PatternAnalysisRow {
  return { id: row.id, scope: row.scope === 'user' ? 'user' : 'all', trigger: row.trigger, createdAt: row.created_at, result: row.result };
}

/** The history row `id` (any scope), read as the system. */
export async function patternAnalysisById(db: Kysely<Database>, id: string): Promise<PatternAnalysisRow | undefined> {
  const row = await actingAs(db, { system: true }, (trx) =>
    trx.selectFrom('mcp_archiver.pattern_analysis').select(historyColumns).where('id', '=', id).executeTakeFirst(),
  );
  return row && toRow(row);
}

/** The most recently recorded analysis of every user's conversations. */
export async function latestAllUsersAnalysis(db: Kysely<Database>): Promise<PatternAnalysisRow | undefined> {
  const row = await actingAs(db, { system: true }, (trx) =>
    trx
      .selectFrom('mcp_archiver.pattern_analysis')
      .select(historyColumns)
      .where('scope', '=', 'all')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  );
  return row && toRow(row);
}

export interface PatternReportFile {
  storageLocation: string;
  fileSize: number;
  sha256: string;
}

/** Where the report of analysis `analysisId` was archived, if it was. */
export async function patternReportOf(db: Kysely<Database>, analysisId: string): Promise<PatternReportFile | undefined> {
  const row = await db.selectFrom('mcp_archiver.pattern_report').select(['storage_location', 'file_size', 'sha256']).where('analysis_id', '=', analysisId).executeTakeFirst();
  return row && { storageLocation: row.storage_location, fileSize: Number(row.file_size), sha256: row.sha256 };
}

/** Records the archived report beside its history row; a second record of the same analysis keeps the first. */
export async function recordPatternReport(db: Kysely<Database>, analysisId: string, file: PatternReportFile): Promise<void> {
  await db
    .insertInto('mcp_archiver.pattern_report')
    .values({ analysis_id: analysisId, storage_location: file.storageLocation, file_size: file.fileSize, sha256: file.sha256 })
    .onConflict((oc) => oc.column('analysis_id').doNothing())
    .execute();
}
