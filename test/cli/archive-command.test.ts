import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzePatternsJob } from '../../src/jobs/analyze-patterns.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { cliEnv } from '../support/cli-env.ts';
import { runCli } from '../support/run-cli.ts';
import { startStandInWorker, type StandInWorker } from '../support/stand-in-worker.ts';
import { adminQuery } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { eventually } from '../support/eventually.ts';
import { startBossClient } from '../support/worker-harness.ts';

const ARCHIVE = archiveConversationJob.queue;

interface Thread {
  id: string;
  user_id: string;
  title: string;
  created_at: Date;
}

describe('archive and analyze commands', () => {
  let db: TestDatabase;
  let boss: PgBoss;
  let env: Record<string, string>;
  let threads: Thread[];
  let users: string[];
  let recent: Thread;
  let archived: Thread;
  let failing: Thread;
  const workers: StandInWorker[] = [];

  const jobsIn = async (queue: string, state?: string) =>
    adminQuery<{ id: string; state: string; data: Record<string, unknown> }>(
      db.ownerUrl,
      `SELECT id, state::text AS state, data FROM pgboss.job WHERE name = $1 AND ($2::text IS NULL OR state::text = $2) ORDER BY created_on`,
      [queue, state ?? null],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    env = cliEnv(db);
    boss = await startBossClient(db.serviceUrl);
    threads = await adminQuery<Thread>(db.ownerUrl, 'SELECT id, user_id, title, created_at FROM chat_thread ORDER BY user_id, created_at');
    users = [...new Set(threads.map((t) => t.user_id))];
    // The demo conversations end on 2026-01-31: all idle for more than 30 days, except one that gets a message now.
    recent = threads.find((t) => t.user_id === users[0])!;
    await adminQuery(db.ownerUrl, `INSERT INTO chat_message (id, thread_id, role, parts, created_at) VALUES ($1, $2, 'user', ARRAY['{"type":"text","text":"still here"}'::json], now() AT TIME ZONE 'UTC')`, [
      randomUUID(),
      recent.id,
    ]);
    archived = threads.find((t) => t.user_id === users[1])!;
    const [archive] = await adminQuery<{ id: string }>(db.ownerUrl, `INSERT INTO archive (name, user_id) VALUES ('Kept', $1) RETURNING id`, [archived.user_id]);
    await adminQuery(db.ownerUrl, 'INSERT INTO archive_item (archive_id, item_id, user_id) VALUES ($1, $2, $3)', [archive!.id, archived.id, archived.user_id]);
    failing = threads.find((t) => t.user_id === users[2])!;
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await boss.stop({ graceful: false });
    await db.drop();
  });

  it('refuses bad invocations before changing anything: exit 2 for usage, 1 for unknown ids', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['archive'], 2, /give exactly one of --thread <id>, --user <id> or --all-users/],
      [['archive', '--user', users[0]!, '--all-users'], 2, /exactly one of/],
      [['archive', '--all-users', '--older-than', '30x'], 2, /--older-than expects an age \(a whole number with a unit s, m, h, d, w or y, such as 45s, 90m, 12h, 30d, 2w or 1y\), got "30x"/],
      [['archive', '--all-users', '--older-than', '0d'], 2, /--older-than expects an age/],
      [['archive', '--all-users', '--format', 'doc'], 2, /--format expects json\|markdown\|pdf, got "doc"/],
      [['archive', '--thread', recent.id, '--older-than', '30d'], 2, /--older-than applies to --user or --all-users/],
      [['archive', '--all-users', '--name', 'All'], 2, /--name applies to --thread only/],
      [['archive', '--thread', 'abc'], 2, /--thread expects an id \(uuid\), got "abc"/],
      [['archive', '--thread', randomUUID()], 1, /^chat-archiver archive: no thread [0-9a-f-]{36}\n$/],
      [['archive', '--user', randomUUID()], 1, /has no conversations \(unknown user\?\)/],
      [['analyze', '--from', '2026-02-01', '--to', '2026-01-01'], 2, /range.start must be before range.end/],
      [['analyze', '--from', '2026-02-30', '--to', '2026-03-01'], 2, /--from expects a date such as 2026-01-31/],
      [['analyze', '--from', '2025-01-01', '--to', '2026-03-01'], 2, /at most 366 days/],
      [['analyze', '--from', '2026-01-01'], 2, /--from and --to are required/],
      [['analyze', '--from', '2026-01-01', '--to', '2026-01-31', '--user', randomUUID()], 1, /has no conversations/],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(args, env);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(message);
    }
    expect(await jobsIn(ARCHIVE)).toEqual([]);
    expect(await jobsIn(analyzePatternsJob.queue)).toEqual([]);
  });

  it('--user --older-than --no-wait: one job per idle, unarchived thread of the user, owned by them; the same request again adds none', async () => {
    const user = users[0]!;
    const first = await runCli(['archive', '--user', user, '--older-than', '30d', '--no-wait', '--json'], env);
    expect(first.code).toBe(0);
    const { jobs } = JSON.parse(first.stdout) as { jobs: Array<{ subject: string; jobId: string; deduplicated: boolean }> };
    const expected = threads.filter((t) => t.user_id === user && t.id !== recent.id);
    expect(jobs.map((j) => j.subject).sort()).toEqual(expected.map((t) => `thread ${t.id}`).sort());
    expect(jobs.every((j) => !j.deduplicated)).toBe(true);

    const stored = await jobsIn(ARCHIVE, 'created');
    expect(stored.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    for (const job of stored) {
      const thread = threads.find((t) => t.id === job.data.threadId)!;
      expect(job.data).toEqual({
        threadId: thread.id,
        name: thread.title.trim() || `Thread ${thread.created_at.toISOString().slice(0, 10)}`,
        exportFormat: 'json',
        requestedBy: user,
      });
    }

    const again = await runCli(['archive', '--user', user, '--older-than', '30d', '--no-wait'], env);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(`enqueued 0 archive job(s), ${jobs.length} already queued or running (same request)`);
    expect(again.stdout).toMatch(/^JOB\s+SUBJECT\s+NOTE$/m);
    expect(await jobsIn(ARCHIVE)).toHaveLength(jobs.length);
  });

  it('--all-users --older-than: follows every job to the end, reports failures with their error, exit 1', async () => {
    const queuedBefore = (await jobsIn(ARCHIVE, 'created')).length;
    const cli = runCli(['archive', '--all-users', '--older-than', '30d', '--json'], env, 120_000);
    // Start working only once everything is enqueued, so the already-queued jobs of the previous test dedupe for sure.
    const expectedTotal = threads.length - 2;
    await eventually('the bulk enqueue', async () => (await jobsIn(ARCHIVE, 'created')).length === expectedTotal);
    workers.push(await startStandInWorker(boss, db.ownerUrl, ARCHIVE, (data) => data.threadId === failing.id));
    const result = await cli;

    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      done: boolean;
      summary: Record<string, number>;
      jobs: Array<{ subject: string; jobId: string; deduplicated: boolean; state: string; error?: string }>;
    };
    expect(report.done).toBe(true);
    expect(report.summary).toMatchObject({ total: expectedTotal, completed: expectedTotal - 1, failed: 1, cancelled: 0, finished: expectedTotal });
    expect(report.jobs.filter((j) => j.deduplicated)).toHaveLength(queuedBefore);
    expect(report.jobs.map((j) => j.subject)).not.toContain(`thread ${recent.id}`);
    expect(report.jobs.map((j) => j.subject)).not.toContain(`thread ${archived.id}`);
    expect(report.jobs.filter((j) => j.state === 'failed')).toEqual([
      { subject: `thread ${failing.id}`, jobId: expect.any(String), deduplicated: false, state: 'failed', error: 'renderer crashed' },
    ]);
    expect(result.stderr).toContain(`enqueued ${expectedTotal - queuedBefore} archive job(s), ${queuedBefore} already queued or running (same request); following them`);
    expect(result.stderr).toContain(`archive: ${expectedTotal}/${expectedTotal} finished (completed ${expectedTotal - 1}  failed 1  running 0  waiting 0)`);
    expect(result.stderr).toContain('1 job(s) did not complete');
  });

  it('--thread --name: one archive job with the given name and format, followed to completion (human output)', async () => {
    const thread = threads.find((t) => t.user_id === users[3])!;
    const result = await runCli(['archive', '--thread', thread.id, '--name', 'Quarterly review', '--format', 'pdf'], env);
    expect(result).toMatchObject({ code: 0, stdout: '1 archive job(s): 1 completed, 0 failed\n' });
    const [job] = (await jobsIn(ARCHIVE)).filter((j) => j.data.threadId === thread.id && j.data.exportFormat === 'pdf');
    expect(job).toMatchObject({ state: 'completed', data: { name: 'Quarterly review', requestedBy: thread.user_id } });
  });

  it('--timeout: stops following (exit 1) while the job stays queued', async () => {
    await workers.pop()!.stop();
    const thread = threads.find((t) => t.user_id === users[4])!;
    const result = await runCli(['archive', '--thread', thread.id, '--format', 'markdown', '--timeout', '1s'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('1 archive job(s): 0 completed, 0 failed, 1 not finished yet\n');
    expect(result.stderr).toContain('stopped waiting with 1 job(s) unfinished; they keep running');
    expect((await jobsIn(ARCHIVE, 'created')).map((j) => j.data.threadId)).toEqual([thread.id]);
  });

  it('analyze: enqueues the range (a bare --to date includes that day) and follows it', async () => {
    workers.push(await startStandInWorker(boss, db.ownerUrl, analyzePatternsJob.queue));
    const result = await runCli(['analyze', '--from', '2026-01-01', '--to', '2026-01-31', '--user', users[0]!, '--json'], env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { jobs: Array<{ jobId: string; state: string }> };
    expect(report.jobs).toEqual([expect.objectContaining({ state: 'completed', deduplicated: false })]);
    const [job] = await jobsIn(analyzePatternsJob.queue);
    expect(job?.data).toEqual({ range: { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' }, userId: users[0], trigger: 'cli' });

    const noWait = await runCli(['analyze', '--from', '2026-01-01T06:00:00Z', '--to', '2026-01-02T06:00:00Z', '--no-wait'], env);
    expect(noWait.code).toBe(0);
    expect(noWait.stdout).toMatch(/^enqueued 1 analysis job\(s\)\nJOB\s+SUBJECT\s+NOTE\n[0-9a-f-]{36}\s+2026-01-01T06:00:00.000Z … 2026-01-02T06:00:00.000Z, all users\n$/);
  });
});
