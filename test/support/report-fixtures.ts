import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { analyzePatternsJob } from '../../src/jobs/analyze-patterns.ts';
import { createAnalyzePatternsHandler } from '../../src/jobs/analyze-patterns-handler.ts';
import { createLogger } from '../../src/logger.ts';
import type { TestDatabase } from './test-database.ts';

/** The months the template's demo conversations span. */
export const DEMO_RANGE = { start: '2025-12-01T00:00:00Z', end: '2026-02-01T00:00:00Z' };
/** Enough months back from today for the usage page to reach the demo data. */
export const DEMO_USAGE_MONTHS = Math.min(36, 1 + (new Date().getUTCFullYear() - 2025) * 12 + new Date().getUTCMonth() - 11);

/** Runs the `analyze-patterns` handler over every user's demo conversations; returns the history row's id. */
export async function recordDemoAnalysis(db: TestDatabase, trigger: 'cli' | 'schedule' = 'cli'): Promise<string> {
  const handler = createAnalyzePatternsHandler({ db: db.service, timeZone: 'Europe/Paris' });
  const payload = analyzePatternsJob.payload.parse({ range: DEMO_RANGE, trigger });
  const output = await handler(payload, {
    jobId: randomUUID(),
    queue: analyzePatternsJob.queue,
    attempt: 1,
    maxAttempts: 1,
    createdOn: new Date(),
    signal: new AbortController().signal,
    log: createLogger('silent'),
  });
  return output.analysisId;
}

export const HOSTILE_NAME = '<script>document.title="owned"</script>';

/**
 * A user, model and tool all named with markup, in a thread of the demo range: what a hostile account could plant
 * (user name at sign-up, model and tool names through the providers and MCP servers it configures).
 */
export async function plantHostileNames(db: TestDatabase): Promise<{ userId: string }> {
  const userId = randomUUID();
  const threadId = randomUUID();
  const at = '2026-01-15 10:00:00';
  await sql`INSERT INTO "user" (id, name, email, role) VALUES (${userId}, ${HOSTILE_NAME}, ${`${userId}@example.test`}, 'user')`.execute(db.owner);
  await sql`INSERT INTO chat_thread (id, title, user_id, created_at) VALUES (${threadId}, 'planted', ${userId}, ${at})`.execute(db.owner);
  const parts = [{ type: `tool-${HOSTILE_NAME}`, toolCallId: 'c1', state: 'output-error', input: {}, errorText: 'failed' }];
  const metadata = { chatModel: { provider: HOSTILE_NAME, model: HOSTILE_NAME }, usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10 } };
  await sql`INSERT INTO chat_message (id, thread_id, role, parts, metadata, created_at)
            VALUES (${randomUUID()}, ${threadId}, 'assistant', ARRAY[${JSON.stringify(parts[0])}::json], ${JSON.stringify(metadata)}::json, ${at})`.execute(db.owner);
  return { userId };
}
