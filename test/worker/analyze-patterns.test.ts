import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { readMessageParts } from '../../src/chat/message-part.ts';
import { previousDayRange } from '../../src/analysis/day-range.ts';
import { patternAnalysisResultSchema, type PatternAnalysisResult } from '../../src/analysis/pattern-analysis-result.ts';
import { analyzePatternsJob } from '../../src/jobs/analyze-patterns.ts';
import { createAnalyzePatternsHandler } from '../../src/jobs/analyze-patterns-handler.ts';
import { nightlyPatternsJob } from '../../src/jobs/nightly-patterns.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { useSuite } from '../support/suite.ts';
import { deadLettersOf, openBossTestBed, waitForSettled } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

const TIME_ZONE = 'Europe/Paris';
const RANGE = { start: '2025-12-01T00:00:00Z', end: '2026-02-01T00:00:00Z' };

interface MessageRow {
  thread_id: string;
  user_id: string;
  role: string;
  parts: unknown[] | null;
  metadata: unknown;
  created_at: Date;
}

describe('analyze-patterns job and the nightly schedule', () => {
  const bed = useSuite(async (release) => release(await openBossTestBed()));
  const workers: WorkerHandle[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });

  async function start(env: Record<string, string> = {}, instanceName = 'worker') {
    const worker = await startWorker({
      config: bed.db.config({ PATTERN_TZ: TIME_ZONE, ...env }),
      serviceUrl: bed.db.serviceUrl,
      log: createLogger('silent'),
      concurrency: 1,
      instanceName,
      tuning: { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 },
    });
    workers.push(worker);
    return worker;
  }

  async function expected(userId: string | null): Promise<PatternAnalysisResult> {
    const rows = (
      await sql<MessageRow>`
        SELECT m.thread_id, t.user_id, m.role, m.parts, m.metadata, m.created_at
        FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id`.execute(bed.db.owner)
    ).rows.filter((r) => inRange(r.created_at) && (userId === null || r.user_id === userId));
    const threads = (await bed.db.owner.selectFrom('chat_thread').select(['user_id', 'created_at']).execute()).filter(
      (t) => inRange(t.created_at) && (userId === null || t.user_id === userId),
    );
    return referenceAnalysis(rows, threads, userId);
  }

  async function analyse(payload: Record<string, unknown>) {
    await start();
    const { jobId } = await enqueue(bed.boss, analyzePatternsJob, payload);
    const job = await waitForSettled(bed.boss, analyzePatternsJob.queue, jobId);
    expect(job.state).toBe('completed');
    const row = await bed.db.owner.selectFrom('mcp_archiver.pattern_analysis').selectAll().where('job_id', '=', jobId).executeTakeFirstOrThrow();
    return { job, row, result: patternAnalysisResultSchema.parse(row.result) };
  }

  it('aggregates every user over the range in SQL, matching a count made from the raw rows', async () => {
    const { job, row, result } = await analyse({ range: RANGE, trigger: 'cli' });
    expect(row).toMatchObject({ scope: 'all', user_id: null, trigger: 'cli' });
    expect(job.output).toMatchObject({ analysisId: row.id, scope: 'all', messages: result.totals.messages });
    expectSameAnalysis(result, await expected(null));
    expect(result.totals.messages).toBe(480);
    expect(result.tools.length).toBeGreaterThan(0);
    expect(result.agents.length).toBeGreaterThan(0);
    expect(result.tokensByModel.length).toBeGreaterThan(0);
  });

  it("restricts the analysis to one user's conversations", async () => {
    const user = (await bed.db.owner.selectFrom('chat_thread').select('user_id').orderBy('id').executeTakeFirstOrThrow()).user_id;
    const { row, result } = await analyse({ range: RANGE, userId: user, requestedBy: user, trigger: 'tool' });
    expect(row).toMatchObject({ scope: 'user', user_id: user, requested_by: user });
    expectSameAnalysis(result, await expected(user));
    expect(result.totals.activeUsers).toBe(1);
  });

  it('records one history row per job however often the job runs', async () => {
    const handler = createAnalyzePatternsHandler({ db: bed.db.service, timeZone: 'UTC' });
    const jobId = randomUUID();
    const context = {
      jobId,
      queue: analyzePatternsJob.queue,
      attempt: 1,
      maxAttempts: 4,
      createdOn: new Date(),
      signal: new AbortController().signal,
      log: createLogger('silent'),
    };
    const payload = analyzePatternsJob.payload.parse({ range: RANGE, trigger: 'cli' });
    const first = await handler(payload, context);
    const second = await handler(payload, { ...context, attempt: 2 });
    expect(second.analysisId).toBe(first.analysisId);
    const rows = await bed.db.owner.selectFrom('mcp_archiver.pattern_analysis').select('id').where('job_id', '=', jobId).execute();
    expect(rows).toHaveLength(1);
  });

  it('sends a payload that does not parse to the dead-letter queue at once', async () => {
    await start();
    const jobId = (await bed.boss.send(analyzePatternsJob.queue, { range: { start: RANGE.end, end: RANGE.start }, trigger: 'cli' }))!;
    const job = await waitForSettled(bed.boss, analyzePatternsJob.queue, jobId);
    expect(job).toMatchObject({ state: 'failed', retryCount: 0, output: { error: { code: 'invalid_payload' } } });
    await eventually('the dead letter', async () => ((await deadLettersOf(bed.boss, analyzePatternsJob.deadLetterQueue, jobId)).length === 1 ? true : undefined));
    expect(await bed.db.owner.selectFrom('mcp_archiver.pattern_analysis').select('id').where('job_id', '=', jobId).execute()).toEqual([]);
  });

  it('the schedule enqueues one analysis of the previous day, however many workers run it', async () => {
    // A cron expression for the current minute fires at once (pg-boss sends occurrences of the last minute) and
    // not again until tomorrow; keep clear of the minute's end so the occurrence stays due while workers start.
    await eventually('the start of a minute', async () => (new Date().getUTCSeconds() < 40 ? true : undefined), 25_000);
    const now = new Date();
    const env = { PATTERN_CRON: `${now.getUTCMinutes()} ${now.getUTCHours()} * * *`, PATTERN_TZ: 'UTC' };
    await Promise.all([start(env, 'worker-a'), start(env, 'worker-b')]);

    const row = await eventually('the scheduled analysis', async () =>
      bed.db.owner.selectFrom('mcp_archiver.pattern_analysis').selectAll().where('trigger', '=', 'schedule').executeTakeFirst(),
    );
    // Let both workers run a few more cron passes before counting.
    const cronOn = async () => (await sql<{ cron_on: Date | null }>`SELECT cron_on FROM pgboss.version`.execute(bed.db.owner)).rows[0]?.cron_on?.getTime() ?? 0;
    const seen = await cronOn();
    await eventually('two more cron passes', async () => ((await cronOn()) >= seen + 1_500 ? true : undefined), 20_000);

    const triggers = await bed.boss.findJobs(nightlyPatternsJob.queue, { limit: 100 });
    expect(triggers).toHaveLength(1);
    const analyses = (await bed.boss.findJobs<{ trigger: string }>(analyzePatternsJob.queue, { limit: 100 })).filter((job) => job.data.trigger === 'schedule');
    expect(analyses).toHaveLength(1);
    expect(await bed.db.owner.selectFrom('mcp_archiver.pattern_analysis').select('id').where('trigger', '=', 'schedule').execute()).toHaveLength(1);
    const day = previousDayRange(triggers[0]!.createdOn, 'UTC');
    expect([row.range_start.toISOString(), row.range_end.toISOString()]).toEqual([day.start.toISOString(), day.end.toISOString()]);
    expect(row).toMatchObject({ scope: 'all', user_id: null });
  });
});

function inRange(at: Date): boolean {
  return at >= new Date(RANGE.start) && at < new Date(RANGE.end);
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function localParts(at: Date): { day: string; hour: number; weekday: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), weekday: WEEKDAYS.indexOf(parts.weekday!) + 1 };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The same aggregates, computed in plain JS from every row: the reference the SQL must match. */
function referenceAnalysis(rows: MessageRow[], threads: { created_at: Date }[], userId: string | null): PatternAnalysisResult {
  const days = new Map<string, { messages: number; threads: Set<string>; users: Set<string>; newThreads: number }>();
  const dayOf = (day: string) => {
    let entry = days.get(day);
    if (!entry) days.set(day, (entry = { messages: 0, threads: new Set(), users: new Set(), newThreads: 0 }));
    return entry;
  };
  const hourOfDay = Array.from({ length: 24 }, () => 0);
  const byRole: Record<string, number> = {};
  const perThread = new Map<string, number>();
  const models = new Map<string, PatternAnalysisResult['tokensByModel'][number]>();
  const modelDays = new Map<string, NonNullable<PatternAnalysisResult['tokensByModelPerDay']>[number]>();
  const cells = new Map<string, { weekday: number; hour: number; messages: number }>();
  const tools = new Map<string, { calls: number; errors: number }>();
  const agents = new Map<string, { messages: number; threads: Set<string> }>();
  for (const row of rows) {
    const { day, hour, weekday } = localParts(row.created_at);
    const cell = cells.get(`${weekday}:${hour}`) ?? { weekday, hour, messages: 0 };
    cells.set(`${weekday}:${hour}`, cell);
    cell.messages++;
    const entry = dayOf(day);
    entry.messages++;
    entry.threads.add(row.thread_id);
    entry.users.add(row.user_id);
    hourOfDay[hour]!++;
    byRole[row.role] = (byRole[row.role] ?? 0) + 1;
    perThread.set(row.thread_id, (perThread.get(row.thread_id) ?? 0) + 1);
    const metadata = row.metadata;
    if (isObject(metadata) && (isObject(metadata.chatModel) || isObject(metadata.usage))) {
      const chatModel = isObject(metadata.chatModel) ? metadata.chatModel : {};
      const provider = typeof chatModel.provider === 'string' ? chatModel.provider : null;
      const model = typeof chatModel.model === 'string' ? chatModel.model : null;
      const key = JSON.stringify([provider, model]);
      const tally = models.get(key) ?? { provider, model, messages: 0, messagesWithUsage: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 };
      models.set(key, tally);
      tally.messages++;
      const dayKey = JSON.stringify([day, provider, model]);
      const dayTally = modelDays.get(dayKey) ?? { day, provider, model, messages: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
      modelDays.set(dayKey, dayTally);
      dayTally.messages++;
      if (isObject(metadata.usage)) {
        tally.messagesWithUsage++;
        for (const field of ['inputTokens', 'outputTokens', 'totalTokens', 'reasoningTokens', 'cachedInputTokens'] as const) {
          const value = metadata.usage[field];
          if (typeof value === 'number') tally[field] += Math.max(0, value);
        }
        for (const field of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
          const value = metadata.usage[field];
          if (typeof value === 'number') dayTally[field] += Math.max(0, value);
        }
      }
    }
    if (isObject(metadata) && typeof metadata.agentId === 'string' && metadata.agentId !== '') {
      const tally = agents.get(metadata.agentId) ?? { messages: 0, threads: new Set<string>() };
      agents.set(metadata.agentId, tally);
      tally.messages++;
      tally.threads.add(row.thread_id);
    }
    // Tool calls as the one part reader classifies them (test/jobs/tool-call-classification.test.ts covers the edges).
    for (const part of readMessageParts(row.parts)) {
      if (part.kind !== 'tool') continue;
      const tally = tools.get(part.toolName) ?? { calls: 0, errors: 0 };
      tools.set(part.toolName, tally);
      tally.calls++;
      if (part.status === 'error') tally.errors++;
    }
  }
  for (const thread of threads) dayOf(localParts(thread.created_at).day).newThreads++;
  const lengths = [...perThread.values()].sort((a, b) => a - b);
  const position = 0.9 * (lengths.length - 1);
  const low = Math.floor(position);
  const p90 = lengths.length ? lengths[low]! + (lengths[Math.min(low + 1, lengths.length - 1)]! - lengths[low]!) * (position - low) : 0;
  return {
    version: 1,
    timeZone: TIME_ZONE,
    range: { start: new Date(RANGE.start).toISOString(), end: new Date(RANGE.end).toISOString() },
    userId,
    totals: {
      messages: rows.length,
      activeThreads: perThread.size,
      newThreads: threads.length,
      activeUsers: new Set(rows.map((r) => r.user_id)).size,
    },
    perDay: [...days]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([day, e]) => ({ day, messages: e.messages, activeThreads: e.threads.size, newThreads: e.newThreads, activeUsers: e.users.size })),
    hourOfDay,
    byRole,
    threadLength: {
      threads: lengths.length,
      average: lengths.length ? lengths.reduce((s, n) => s + n, 0) / lengths.length : 0,
      p90,
      max: lengths.at(-1) ?? 0,
    },
    tokensByModel: [...models.values()],
    tokensByModelPerDay: [...modelDays.values()],
    weekdayHour: [...cells.values()].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour),
    tools: [...tools].map(([name, t]) => ({ name, calls: t.calls, errors: t.errors, errorRate: t.errors / t.calls })),
    agents: [...agents].map(([agentId, a]) => ({ agentId, name: expect.any(String) as unknown as string, messages: a.messages, threads: a.threads.size })),
  };
}

function expectSameAnalysis(actual: PatternAnalysisResult, reference: PatternAnalysisResult): void {
  const byKey = <T>(items: T[], key: (item: T) => string) => [...items].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const { threadLength, tokensByModel, tokensByModelPerDay, tools, agents, byRole, ...rest } = actual;
  const { threadLength: refLength, tokensByModel: refModels, tokensByModelPerDay: refModelDays, tools: refTools, agents: refAgents, byRole: refRoles, ...refRest } = reference;
  expect(rest).toEqual(refRest);
  expect(byRole).toEqual(refRoles);
  expect(threadLength.threads).toBe(refLength.threads);
  expect(threadLength.max).toBe(refLength.max);
  expect(threadLength.average).toBeCloseTo(refLength.average, 9);
  expect(threadLength.p90).toBeCloseTo(refLength.p90, 9);
  expect(byKey(tokensByModel, (m) => JSON.stringify([m.provider, m.model]))).toEqual(byKey(refModels, (m) => JSON.stringify([m.provider, m.model])));
  // The corpus has fewer models than the per-day chart keeps, so every model's days are there.
  expect(refModels.length).toBeLessThanOrEqual(12);
  const dayModel = (m: NonNullable<PatternAnalysisResult['tokensByModelPerDay']>[number]) => JSON.stringify([m.day, m.provider, m.model]);
  expect(byKey(tokensByModelPerDay ?? [], dayModel)).toEqual(byKey(refModelDays ?? [], dayModel));
  expect(byKey(tools, (t) => t.name)).toEqual(byKey(refTools, (t) => t.name));
  expect(byKey(agents, (a) => a.agentId)).toEqual(byKey(refAgents, (a) => a.agentId));
  expect(tools.map((t) => t.calls)).toEqual([...tools.map((t) => t.calls)].sort((a, b) => b - a));
}
