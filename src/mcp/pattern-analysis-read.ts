import type { Kysely } from 'kysely';
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
