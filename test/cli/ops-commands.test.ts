import { describe, expect, it } from 'vitest';
import { jobsCommand } from '../../src/cli/jobs-command.ts';
import { queuesCommand } from '../../src/cli/queues-command.ts';
import { schedulesCommand } from '../../src/cli/schedules-command.ts';
import { UsageError, type Command } from '../../src/cli/command.ts';
import { queueDefinitions } from '../../src/jobs/registry.ts';
import { analyzePatternsJob } from '../../src/jobs/analyze-patterns.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { nightlyPatternsJob } from '../../src/jobs/nightly-patterns.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { withOpsSession, type OpsSession } from '../../src/cli/ops-session.ts';
import { cancelJob, JobActionRefusal, retryJob } from '../../src/ops/job-actions.ts';
import { captureIo } from '../support/capture-io.ts';
import { cliEnv } from '../support/cli-env.ts';
import { archivePayload, failedJob, jobStateSnapshot, putJobsInEveryState, sendArchiveJob, snapshotDiff } from '../support/job-fixtures.ts';
import { runCli } from '../support/run-cli.ts';
import { useSuite } from '../support/suite.ts';
import { openBossTestBed } from '../support/worker-harness.ts';

const ARCHIVE = archiveConversationJob.queue;
const ARCHIVE_DLQ = archiveConversationJob.deadLetterQueue;
const UNKNOWN_ID = '0b7e7a3c-55d1-4c55-9a51-3f0f4f7e0e11';

describe('ops commands on real jobs in every state', () => {
  const suite = useSuite(async (release) => {
    const { db, boss } = release(await openBossTestBed());
    const jobs = await putJobsInEveryState(boss, 3);
    const analysisJob = (await enqueue(boss, analyzePatternsJob, { range: { start: '2026-01-01T00:00:00Z', end: '2026-01-31T00:00:00Z' }, trigger: 'cli' })).jobId;
    return { db, boss, jobs, analysisJob, env: cliEnv(db) };
  });

  async function run(command: Command, args: string[]) {
    const io = captureIo();
    const code = await command.run(args, { config: () => suite.db.config(), stdout: io.stdout, stderr: io.stderr });
    return { code, ...io.output };
  }
  async function deadLetterOf(id: string): Promise<string | undefined> {
    const [copy] = (await suite.boss.findJobs(ARCHIVE_DLQ, {})).filter((j) => j.sourceId === id && j.state === 'created');
    return copy?.id;
  }

  it('queues: counts every state, the dead letters and the oldest waiting job (real CLI, --json)', async () => {
    const result = await runCli(['queues', '--json'], suite.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const overview = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(overview).toEqual([
      {
        queue: ARCHIVE,
        deadLetterQueue: ARCHIVE_DLQ,
        queued: 1,
        active: 1,
        retrying: 1,
        failed: 3,
        completedLast24h: 1,
        deadLetters: 3,
        oldestWaitingSeconds: expect.any(Number),
      },
      {
        queue: analyzePatternsJob.queue,
        deadLetterQueue: analyzePatternsJob.deadLetterQueue,
        queued: 1,
        active: 0,
        retrying: 0,
        failed: 0,
        completedLast24h: 0,
        deadLetters: 0,
        oldestWaitingSeconds: expect.any(Number),
      },
      // The nightly trigger and the queues after it have nothing in them.
      ...queueDefinitions.slice(2).map((def) => ({
        queue: def.queue,
        deadLetterQueue: def.deadLetterQueue,
        queued: 0,
        active: 0,
        retrying: 0,
        failed: 0,
        completedLast24h: 0,
        deadLetters: 0,
        oldestWaitingSeconds: null,
      })),
    ]);
  });

  it('queues: a table for people', async () => {
    const result = await runCli(['queues'], suite.env);
    expect(result.code).toBe(0);
    const [header, archiveRow, analysisRow, nightlyRow, ...more] = result.stdout.trimEnd().split('\n');
    expect(more.map((row) => row.split(/\s+/)[0])).toEqual(queueDefinitions.slice(3).map((def) => def.queue));
    expect(nightlyRow).toMatch(/^analyze-patterns-nightly\s+0\s+0\s+0\s+0\s+0\s+0\s+-$/);
    expect(header).toMatch(/^QUEUE\s+QUEUED\s+ACTIVE\s+RETRYING\s+FAILED\s+DONE 24H\s+DEAD LETTERS\s+OLDEST WAITING$/);
    expect(archiveRow).toMatch(/^archive-conversation\s+1\s+1\s+1\s+3\s+1\s+3\s+\d+s$/);
    expect(analysisRow).toMatch(/^analyze-patterns\s+1\s+0\s+0\s+0\s+0\s+0\s+\d+s$/);
  });

  it('jobs list: filters by queue and state (aliases too), newest first, across all queues by default', async () => {
    const failed = JSON.parse((await runCli(['jobs', 'list', '--state', 'failed', '--json'], suite.env)).stdout) as Array<{ id: string; state: string; output: { message: string } }>;
    expect(failed.map((j) => j.id)).toEqual([...suite.jobs.failed].reverse());
    expect(failed[0]!.output.message).toBe('export failed #3');

    const waiting = JSON.parse((await run(jobsCommand, ['list', '--state', 'queued', '--json'])).stdout) as Array<{ id: string; queue: string }>;
    // Across queues: the queued archive job, the queued analysis, and the three dead letters (waiting in their queue).
    expect(waiting.map((j) => j.queue).sort()).toEqual([analyzePatternsJob.queue, ARCHIVE, ARCHIVE_DLQ, ARCHIVE_DLQ, ARCHIVE_DLQ].sort());
    expect(waiting.map((j) => j.id)).toContain(suite.jobs.queued);
    expect(waiting.map((j) => j.id)).toContain(suite.analysisJob);

    const retrying = JSON.parse((await run(jobsCommand, ['list', '--queue', ARCHIVE, '--state', 'retrying', '--json'])).stdout) as Array<{ id: string; attempts: number }>;
    expect(retrying).toMatchObject([{ id: suite.jobs.retrying, attempts: 1 }]);

    const all = JSON.parse((await run(jobsCommand, ['list', '--queue', ARCHIVE, '--json', '--limit', '100'])).stdout) as Array<{ id: string; createdOn: string }>;
    expect(all).toHaveLength(8);
    expect(all.map((j) => j.createdOn)).toEqual([...all.map((j) => j.createdOn)].sort().reverse());
    expect((JSON.parse((await run(jobsCommand, ['list', '--limit', '2', '--json'])).stdout) as unknown[]).length).toBe(2);
  });

  it('jobs list: a table with the error of failed jobs and dead letters', async () => {
    const result = await runCli(['jobs', 'list', '--state', 'failed'], suite.env);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+QUEUE\s+STATE\s+ATTEMPT\s+CREATED\s+TOOK\s+DETAIL$/);
    expect(lines.slice(1)).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^${suite.jobs.failed[2]}\\s+archive-conversation\\s+failed\\s+1/1\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+\\d+s\\s+export failed #3$`));
    const dead = await run(jobsCommand, ['list', '--queue', ARCHIVE_DLQ]);
    expect(dead.stdout).toContain('dead letter: export failed #1');
  });

  it('jobs show: payload, error with stack, attempts, timings and the dead-letter copy', async () => {
    const id = suite.jobs.failed[0]!;
    const copy = await deadLetterOf(id);
    const result = await runCli(['jobs', 'show', id], suite.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^job +${id}$`, 'm'));
    expect(result.stdout).toMatch(/^state +failed$/m);
    expect(result.stdout).toMatch(/^attempts +1 of 1$/m);
    expect(result.stdout).toMatch(/^ran +\d+s$/m);
    expect(result.stdout).toMatch(new RegExp(`^dead letter +${copy} in ${ARCHIVE_DLQ}$`, 'm'));
    expect(result.stdout).toContain('"exportFormat": "json"');
    expect(result.stdout).toMatch(/^error:\n {2}Error: export failed #1\n {6}at fixture$/m);

    const completed = JSON.parse((await run(jobsCommand, ['show', suite.jobs.completed, '--json'])).stdout) as Record<string, unknown>;
    expect(completed).toMatchObject({ id: suite.jobs.completed, queue: ARCHIVE, state: 'completed', output: { tokens: 1234 }, deadLetterCopy: null });

    const letter = await run(jobsCommand, ['show', copy!]);
    expect(letter.stdout).toMatch(new RegExp(`^copy of +${id} in ${ARCHIVE} \\(failed after 1 attempt\\(s\\)\\)$`, 'm'));
    expect(letter.stdout).toContain('error of the original job:');
  });

  it('unknown ids exit 1, malformed ids, states and queues exit 2, and nothing changes', async () => {
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const unknown = await runCli(['jobs', 'show', UNKNOWN_ID], suite.env);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe(`chat-archiver jobs: no job ${UNKNOWN_ID} in the service's queues\n`);
    expect((await runCli(['jobs', 'retry', UNKNOWN_ID], suite.env)).code).toBe(1);
    expect((await runCli(['jobs', 'cancel', UNKNOWN_ID], suite.env)).code).toBe(1);

    const malformed = await runCli(['jobs', 'retry', 'not-an-id'], suite.env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"not-an-id" is not a job id');
    const badState = await runCli(['jobs', 'list', '--state', 'exploded'], suite.env);
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/^chat-archiver jobs: unknown state "exploded" \(expected created\|retry\|active\|completed\|cancelled\|failed/);
    expect((await runCli(['jobs', 'list', '--queue', 'emails'], suite.env)).code).toBe(2);
    expect((await runCli(['jobs', 'retry', '--queue', ARCHIVE, '--state', 'active'], suite.env)).code).toBe(2);
    expect((await runCli(['jobs', 'list', '--limit', '0'], suite.env)).code).toBe(2);
    await expect(run(jobsCommand, ['frobnicate'])).rejects.toThrow(UsageError);
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({});
  });

  it('job actions refuse in one way: a JobActionRefusal naming the reason, with nothing changed', async () => {
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const refusalOf = (action: Promise<unknown>) => action.then(() => undefined, (error: unknown) => error);
    const act = <T>(work: (session: OpsSession) => Promise<T>) => refusalOf(withOpsSession(suite.db.config(), work));
    for (const [refusal, reason] of [
      [await act((s) => retryJob(s, UNKNOWN_ID)), 'not-found'],
      [await act((s) => cancelJob(s, UNKNOWN_ID)), 'not-found'],
      [await act((s) => retryJob(s, suite.jobs.completed)), 'not-allowed'],
      [await act((s) => cancelJob(s, suite.jobs.completed)), 'not-allowed'],
    ] as const) {
      expect(refusal).toBeInstanceOf(JobActionRefusal);
      expect((refusal as JobActionRefusal).reason).toBe(reason);
    }
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({});
  });

  it('jobs retry <id>: refuses jobs that did not fail, changing nothing', async () => {
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    for (const id of [suite.jobs.active, suite.jobs.completed, suite.jobs.queued, suite.jobs.retrying, suite.jobs.cancelled]) {
      const result = await runCli(['jobs', 'retry', id], suite.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/only failed jobs can be retried/);
    }
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({});
  });

  it('jobs retry <id>: the failed job goes back to retry under its id, its dead letter goes away, nothing else changes', async () => {
    const id = suite.jobs.failed[0]!;
    const copy = (await deadLetterOf(id))!;
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const result = await runCli(['jobs', 'retry', id], suite.env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`retried job ${id} in ${ARCHIVE} (same id, state retry)\nremoved 1 dead-letter copy of the retried job(s)\n`);
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({
      [id]: 'archive-conversation:failed -> retry',
      [copy]: 'archive-conversation-dead-letter:created -> gone',
    });
    const [job] = await suite.boss.findJobs(ARCHIVE, { id });
    expect(job?.retryLimit).toBe(1); // one more attempt than it had
  });

  it('jobs retry <dead-letter id>: retries the original in place and removes the dead letter', async () => {
    const original = suite.jobs.failed[1]!;
    const copy = (await deadLetterOf(original))!;
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const result = await run(jobsCommand, ['retry', copy, '--json']);
    expect(JSON.parse(result.stdout)).toEqual({ retried: [{ queue: ARCHIVE, id: original }], redriven: [], removedDeadLetters: [copy], skipped: [] });
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({
      [original]: 'archive-conversation:failed -> retry',
      [copy]: 'archive-conversation-dead-letter:created -> gone',
    });
  });

  it('jobs retry <dead-letter id> whose original is gone: redrives it into its queue as a new job', async () => {
    const payload = archivePayload({ name: 'Redrive me' });
    const original = await failedJob(suite.boss, 'gone soon', payload);
    const copy = (await deadLetterOf(original))!;
    await suite.boss.deleteJob(ARCHIVE, original);
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const result = JSON.parse((await runCli(['jobs', 'retry', copy, '--json'], suite.env)).stdout) as { redriven: Array<{ newJobId: string }> };
    const newJobId = result.redriven[0]!.newJobId;
    expect(result).toEqual({ retried: [], redriven: [{ deadLetterId: copy, queue: ARCHIVE, newJobId: expect.any(String) }], removedDeadLetters: [], skipped: [] });
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({
      [copy]: 'archive-conversation-dead-letter:created -> gone',
      [newJobId]: 'new archive-conversation:created',
    });
    const [job] = await suite.boss.findJobs(ARCHIVE, { id: newJobId });
    expect(job?.data).toEqual(payload);
    await suite.boss.cancel(ARCHIVE, newJobId);
  });

  it('jobs retry <id>: refused when the same request is queued again meanwhile (queue policy), nothing changes', async () => {
    const payload = archivePayload({ name: 'Twice' });
    const original = await failedJob(suite.boss, 'first try failed', payload);
    const again = await sendArchiveJob(suite.boss, payload);
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const result = await runCli(['jobs', 'retry', original], suite.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('another job with the same key is already queued or running: nothing retried');
    const refusal = await withOpsSession(suite.db.config(), (session) => retryJob(session, original)).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ name: 'JobActionRefusal', reason: 'conflict' });
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({});
    await suite.boss.cancel(ARCHIVE, again);
    await suite.boss.cancel(ARCHIVE_DLQ, (await deadLetterOf(original))!);
    await suite.boss.deleteJob(ARCHIVE, original);
  });

  it('jobs retry --queue Q --state failed: retries every failed job of the queue and nothing else', async () => {
    const remaining = suite.jobs.failed[2]!;
    const copy = (await deadLetterOf(remaining))!;
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const result = await runCli(['jobs', 'retry', '--queue', ARCHIVE, '--state', 'failed'], suite.env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`retried job ${remaining} in ${ARCHIVE} (same id, state retry)\nremoved 1 dead-letter copy of the retried job(s)\n`);
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({
      [remaining]: 'archive-conversation:failed -> retry',
      [copy]: 'archive-conversation-dead-letter:created -> gone',
    });
    const again = await run(jobsCommand, ['retry', '--queue', ARCHIVE, '--state', 'failed']);
    expect(again.stdout).toBe(`nothing to retry in ${ARCHIVE}\n`);
  });

  it('jobs retry --queue <dead-letter queue> --state failed: originals retried in place, orphaned dead letters redriven', async () => {
    const kept = await failedJob(suite.boss, 'kept original');
    const orphanedPayload = archivePayload({ name: 'Orphan' });
    const orphaned = await failedJob(suite.boss, 'original deleted', orphanedPayload);
    const keptCopy = (await deadLetterOf(kept))!;
    const orphanCopy = (await deadLetterOf(orphaned))!;
    await suite.boss.deleteJob(ARCHIVE, orphaned);
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const result = await runCli(['jobs', 'retry', '--queue', ARCHIVE_DLQ, '--state', 'failed', '--json'], suite.env);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { redriven: Array<{ newJobId: string }> };
    const newJobId = parsed.redriven[0]?.newJobId ?? 'missing';
    expect(parsed).toEqual({
      retried: [{ queue: ARCHIVE, id: kept }],
      redriven: [{ deadLetterId: orphanCopy, queue: ARCHIVE, newJobId: expect.any(String) }],
      removedDeadLetters: [keptCopy],
      skipped: [],
    });
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({
      [kept]: 'archive-conversation:failed -> retry',
      [keptCopy]: 'archive-conversation-dead-letter:created -> gone',
      [orphanCopy]: 'archive-conversation-dead-letter:created -> gone',
      [newJobId]: 'new archive-conversation:created',
    });
    await suite.boss.cancel(ARCHIVE, [kept, newJobId]);
  });

  it('jobs cancel <id>: cancels a waiting job; refuses a finished one; nothing else changes', async () => {
    const before = await jobStateSnapshot(suite.db.ownerUrl);
    const result = await runCli(['jobs', 'cancel', suite.jobs.queued], suite.env);
    expect(result).toMatchObject({ code: 0, stdout: `cancelled job ${suite.jobs.queued} in ${ARCHIVE} (was created)\n` });
    expect(snapshotDiff(before, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({ [suite.jobs.queued]: 'archive-conversation:created -> cancelled' });

    const middle = await jobStateSnapshot(suite.db.ownerUrl);
    const refused = await runCli(['jobs', 'cancel', suite.jobs.completed], suite.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`chat-archiver jobs: job ${suite.jobs.completed} is already completed: nothing to cancel\n`);
    const active = JSON.parse((await run(jobsCommand, ['cancel', suite.jobs.active, '--json'])).stdout) as Record<string, unknown>;
    expect(active).toEqual({ id: suite.jobs.active, queue: ARCHIVE, previousState: 'active', state: 'cancelled' });
    expect(snapshotDiff(middle, await jobStateSnapshot(suite.db.ownerUrl))).toEqual({ [suite.jobs.active]: 'archive-conversation:active -> cancelled' });
  });

  it('schedules: says so when none is registered, then lists one with its time zone and next run', async () => {
    const none = await run(schedulesCommand, []);
    expect(none.stdout).toBe('no schedules registered yet (the worker registers "0 3 * * *" in UTC for analyze-patterns-nightly when it starts)\n');

    await suite.boss.schedule(nightlyPatternsJob.queue, '0 3 * * *', {}, { tz: 'Europe/Paris', key: 'nightly', missed: 'once' });
    const result = await runCli(['schedules', '--json'], suite.env);
    expect(result.code).toBe(0);
    const [schedule, ...others] = JSON.parse(result.stdout) as Array<{ queue: string; key: string; cron: string; timeZone: string; nextRun: string }>;
    expect(others).toEqual([]);
    expect(schedule).toMatchObject({ queue: nightlyPatternsJob.queue, key: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', lastJobId: null });
    const next = new Date(schedule!.nextRun);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(25 * 3600_000);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('03:00');

    const table = await run(schedulesCommand, []);
    expect(table.stdout).toMatch(/^QUEUE\s+KEY\s+CRON\s+TIME ZONE\s+NEXT RUN\s+LAST JOB\nanalyze-patterns-nightly\s+nightly\s+0 3 \* \* \*\s+Europe\/Paris\s+\d{4}-\d\d-\d\d \d\d:00:00Z\s+-\n$/);
  });

  it('queues: reflects what retry and cancel did', async () => {
    const overview = JSON.parse((await run(queuesCommand, ['--json'])).stdout) as Array<Record<string, number>>;
    expect(overview[0]).toMatchObject({ queued: 0, active: 0, retrying: 4, failed: 0, deadLetters: 0 });
  });
});
