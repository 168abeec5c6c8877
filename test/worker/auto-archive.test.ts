import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { archiveConversationsJob } from '../../src/jobs/archive-conversations.ts';
import { AUTO_ARCHIVE_SCHEDULE_KEY, AUTO_ARCHIVE_SINGLETON, autoArchiveJob } from '../../src/jobs/auto-archive.ts';
import { autoArchiveName, createAutoArchiveHandler } from '../../src/jobs/auto-archive-handler.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics, type ServiceMetrics } from '../../src/ops/metrics.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { cliEnv } from '../support/cli-env.ts';
import { eventually } from '../support/eventually.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { runCli } from '../support/run-cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startBossClient, waitForSettled } from '../support/worker-harness.ts';

const DAY_MS = 86_400_000;

describe('auto-archive: the nightly retention schedule', () => {
  let db: TestDatabase;
  let boss: PgBoss;
  let exportDir: string;
  const workers: WorkerHandle[] = [];
  const users: string[] = [];
  const oldThreads: string[] = [];
  /** AUTO_ARCHIVE_AFTER in days: past every demo thread (by a margin wider than a month), so only the threads this file backdates further are eligible. */
  let afterDays: number;
  let afterAge: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    boss = await startBossClient(db.serviceUrl);
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-auto-archive-'));
    const { rows } = await sql<{ oldest: Date }>`SELECT min(created_at) AS oldest FROM chat_thread`.execute(db.owner);
    afterDays = Math.ceil((Date.now() - rows[0]!.oldest.getTime()) / DAY_MS) + 60;
    afterAge = `${afterDays}d`;
    for (const name of ['Retention Ann', 'Retention Bo']) users.push(await addUser(name));
    for (const user of users) for (const extra of [100, 50, 20]) oldThreads.push(await addThread(user, afterDays + extra));
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await db?.drop();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  async function addUser(name: string): Promise<string> {
    const { rows } = await sql<{ id: string }>`INSERT INTO "user" (name, email) VALUES (${name}, ${`${randomUUID()}@example.com`}) RETURNING id`.execute(db.owner);
    return rows[0]!.id;
  }

  /** A thread whose messages are `ageDays` old. */
  async function addThread(userId: string, ageDays: number): Promise<string> {
    const at = new Date(Date.now() - ageDays * DAY_MS);
    const thread = await db.owner.insertInto('chat_thread').values({ title: `Old thread ${ageDays}d`, user_id: userId, created_at: at }).returning('id').executeTakeFirstOrThrow();
    for (const [i, role] of ['user', 'assistant'].entries()) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, created_at)
                VALUES (${randomUUID()}, ${thread.id}, ${role}, ARRAY[${JSON.stringify({ type: 'text', text: `message ${i} of a ${ageDays}-day-old thread` })}]::json[], ${new Date(at.getTime() + i * 1000)})`.execute(db.owner);
    }
    return thread.id;
  }

  async function start(env: Record<string, string>, instanceName: string, metrics?: ServiceMetrics) {
    const worker = await startWorker({
      config: db.config({ EXPORT_DIR: exportDir, ...env }),
      serviceUrl: db.serviceUrl,
      log: createLogger('silent'),
      concurrency: 2,
      instanceName,
      ...(metrics ? { autoArchiveObserver: metrics.autoArchiveObserver } : {}),
      tuning: { pollingIntervalSeconds: 0.5, cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 },
    });
    workers.push(worker);
    return worker;
  }

  /** How many items each of the given threads has, over every archive. */
  async function itemsPerThread(threadIds: string[]): Promise<Map<string, number>> {
    const { rows } = await sql<{ item_id: string; n: number }>`
      SELECT item_id, count(*)::int AS n FROM archive_item WHERE item_id = ANY(${threadIds}::uuid[]) GROUP BY item_id`.execute(db.owner);
    return new Map(rows.map((r) => [r.item_id, r.n]));
  }

  const allArchived = (threadIds: string[]) =>
    eventually(`${threadIds.length} threads archived`, async () => ((await itemsPerThread(threadIds)).size === threadIds.length ? true : undefined), 120_000, 200);

  const autoArchives = async () =>
    (
      await sql<{ user_id: string; name: string; items: number }>`
        SELECT a.user_id, a.name, (SELECT count(*)::int FROM archive_item i WHERE i.archive_id = a.id) AS items
        FROM archive a WHERE a.name LIKE 'Auto-archive %' ORDER BY a.user_id, a.name`.execute(db.owner)
    ).rows;

  const settledChildren = async () => {
    const jobs = await boss.findJobs(archiveConversationJob.queue, { limit: 1000 });
    return jobs.every((j) => j.state === 'completed') ? jobs : undefined;
  };

  it('is off by default, and a worker started without it removes a schedule left from an earlier start', async () => {
    expect(loadConfig({}).autoArchive).toBeUndefined();
    expect(loadConfig({ AUTO_ARCHIVE_AFTER: '90d' }).autoArchive).toEqual({ afterMs: 90 * DAY_MS, cron: '0 2 * * *', exportFormat: 'json' });
    await boss.schedule(autoArchiveJob.queue, '0 2 * * *', {}, { key: AUTO_ARCHIVE_SCHEDULE_KEY });
    await start({}, 'worker-off');
    const schedules = await boss.getSchedules();
    expect(schedules.map((s) => s.name)).not.toContain(autoArchiveJob.queue);
    expect(schedules.map((s) => s.name)).toContain('analyze-patterns-nightly');
  });

  it('refuses a malformed AUTO_ARCHIVE_AFTER or AUTO_ARCHIVE_FORMAT with a clear configuration error', async () => {
    expect(() => loadConfig({ AUTO_ARCHIVE_AFTER: 'ninety days' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTO_ARCHIVE_AFTER: 'ninety days' })).toThrow(/AUTO_ARCHIVE_AFTER: expected a duration .*such as .*90m.* \(got "ninety days"\)/);
    expect(() => loadConfig({ AUTO_ARCHIVE_AFTER: '0d' })).toThrow(/AUTO_ARCHIVE_AFTER: expected a duration/);
    expect(() => loadConfig({ AUTO_ARCHIVE_AFTER: '90d', AUTO_ARCHIVE_FORMAT: 'zip' })).toThrow(/AUTO_ARCHIVE_FORMAT: expected json, markdown or pdf/);
    expect(() => loadConfig({ AUTO_ARCHIVE_AFTER: '90d', AUTO_ARCHIVE_CRON: 'nightly' })).toThrow(/AUTO_ARCHIVE_CRON: expected a 5-field cron expression/);
    const cli = await runCli(['schedules'], cliEnv(db, { AUTO_ARCHIVE_AFTER: '3 months' }));
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/AUTO_ARCHIVE_AFTER: expected a duration .*such as .*90m.* \(got "3 months"\)/);
  });

  it('runs once a night with two workers on the same schedule, into each user\'s "Auto-archive YYYY-MM"', async () => {
    // A cron expression for the current minute fires at once and not again until tomorrow; keep clear of the
    // minute's end so the occurrence stays due while the workers start.
    await eventually('the start of a minute', async () => (new Date().getUTCSeconds() < 40 ? true : undefined), 25_000);
    const now = new Date();
    const env = { AUTO_ARCHIVE_AFTER: afterAge, AUTO_ARCHIVE_CRON: `${now.getUTCMinutes()} ${now.getUTCHours()} * * *` };
    const metrics = createMetrics({ processMetrics: false });
    const chatRows = async () =>
      (await sql<{ threads: number; messages: number }>`SELECT (SELECT count(*)::int FROM chat_thread) AS threads, (SELECT count(*)::int FROM chat_message) AS messages`.execute(db.owner)).rows[0];
    const chatBefore = await chatRows();
    await Promise.all([start(env, 'worker-a', metrics), start(env, 'worker-b', metrics)]);

    const [run] = await eventually('the auto-archive run', async () => {
      const jobs = await boss.findJobs(autoArchiveJob.queue, { limit: 10 });
      return jobs.length > 0 && jobs.every((j) => j.state === 'completed') ? jobs : undefined;
    });
    await allArchived(oldThreads);
    await eventually('the thread jobs', settledChildren, 60_000, 200);
    // Let both workers run a few more cron passes before counting.
    const cronOn = async () => (await sql<{ cron_on: Date | null }>`SELECT cron_on FROM pgboss.version`.execute(db.owner)).rows[0]?.cron_on?.getTime() ?? 0;
    const seen = await cronOn();
    await eventually('two more cron passes', async () => ((await cronOn()) >= seen + 1_500 ? true : undefined), 20_000);

    expect(await boss.findJobs(autoArchiveJob.queue, { limit: 10 })).toHaveLength(1);
    // Throttled to one job per UTC day: a second occurrence the same night (a second schedule, a changed cron)
    // would find the slot taken.
    expect(run).toMatchObject({ singletonKey: AUTO_ARCHIVE_SINGLETON.singletonKey });
    expect(await boss.send(autoArchiveJob.queue, {}, { ...AUTO_ARCHIVE_SINGLETON })).toBeNull();
    expect(run!.output).toMatchObject({ enabled: true, users: 2, threads: oldThreads.length, archiveName: autoArchiveName(run!.createdOn) });
    expect([...(await itemsPerThread(oldThreads)).values()]).toEqual(oldThreads.map(() => 1));
    // Archiving copies: every thread and message is still where it was.
    expect(await chatRows()).toEqual(chatBefore);
    const name = autoArchiveName(run!.createdOn);
    expect(await autoArchives()).toEqual(users.map((user_id) => ({ user_id, name, items: 3 })).sort((a, b) => a.user_id.localeCompare(b.user_id)));
    // Only the backdated threads were old enough: no demo thread went anywhere.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM archive_item WHERE NOT (item_id = ANY(${oldThreads}::uuid[]))`.execute(db.owner);
    expect(rows[0]!.n).toBe(0);
    const parents = await boss.findJobs<{ trigger: string }>(archiveConversationsJob.queue, { limit: 100 });
    expect(parents.map((p) => p.data.trigger)).toEqual(['schedule', 'schedule']);

    const samples = parsePrometheusText((await metrics.render()).body);
    expect(sampleValue(samples, 'chat_archiver_auto_archive_runs_total')).toBe(1);
    expect(sampleValue(samples, 'chat_archiver_auto_archive_threads_total')).toBe(oldThreads.length);

    const listed = await runCli(['schedules', '--json'], cliEnv(db));
    expect(listed.code).toBe(0);
    const schedules = JSON.parse(listed.stdout) as Array<{ queue: string; key: string; cron: string; timeZone: string; lastJobId: string | null }>;
    expect(schedules.find((s) => s.queue === autoArchiveJob.queue)).toEqual(
      expect.objectContaining({ key: AUTO_ARCHIVE_SCHEDULE_KEY, cron: env.AUTO_ARCHIVE_CRON, timeZone: 'UTC' }),
    );
  });

  it('a later run adds only the threads that became eligible, and overlapping runs archive each thread once', async () => {
    await start({ AUTO_ARCHIVE_AFTER: afterAge, AUTO_ARCHIVE_CRON: '0 2 1 1 *' }, 'worker-later');
    const before = await sql<{ id: string; item_id: string }>`SELECT id, item_id FROM archive_item ORDER BY id`.execute(db.owner);
    const third = await addUser('Retention Cy');
    const fresh = [await addThread(users[0]!, afterDays + 10), await addThread(third, afterDays + 200)];
    const recent = await addThread(third, 10);

    const second = await enqueue(boss, autoArchiveJob, {});
    const secondJob = await waitForSettled(boss, autoArchiveJob.queue, second.jobId);
    // Straight after, while the second run's thread jobs may still be queued or running.
    const overlapping = await enqueue(boss, autoArchiveJob, {});
    const overlappingJob = await waitForSettled(boss, autoArchiveJob.queue, overlapping.jobId);
    expect(secondJob.output).toMatchObject({ enabled: true, users: 2, threads: 2 });
    // Each new thread is either archived by now or still has its job open: neither is sent again.
    expect(overlappingJob.output).toMatchObject({ enabled: true, threads: 0 });

    await allArchived(fresh);
    await eventually('the thread jobs', settledChildren, 60_000, 200);
    const after = await sql<{ id: string; item_id: string }>`SELECT id, item_id FROM archive_item ORDER BY id`.execute(db.owner);
    // The earlier rows are untouched and exactly one row per new thread joined them.
    expect(after.rows.filter((r) => !fresh.includes(r.item_id))).toEqual(before.rows);
    expect([...(await itemsPerThread(fresh)).values()]).toEqual([1, 1]);
    expect(await itemsPerThread([recent])).toEqual(new Map());
    const name = autoArchiveName(secondJob.createdOn);
    const archives = await autoArchives();
    expect(archives.find((a) => a.user_id === users[0])).toEqual({ user_id: users[0], name, items: 4 });
    expect(archives.find((a) => a.user_id === third)).toEqual({ user_id: third, name, items: 1 });
  });

  it('leaves out threads an earlier run\'s jobs have not archived yet, even from the next month', async () => {
    const handler = createAutoArchiveHandler({ db: db.service, boss, autoArchive: loadConfig({ AUTO_ARCHIVE_AFTER: afterAge }).autoArchive });
    const context = (createdOn: Date) => ({
      jobId: randomUUID(),
      queue: autoArchiveJob.queue,
      attempt: 1,
      maxAttempts: 6,
      createdOn,
      signal: new AbortController().signal,
      log: createLogger('silent'),
    });
    const late = await addThread(users[1]!, afterDays + 30);
    // No worker runs: the first night's jobs wait in the queue when the next night comes, a month later.
    const tonight = new Date();
    const first = await handler({}, context(tonight));
    expect(first).toMatchObject({ threads: 1, inFlight: 0 });
    const nextMonth = new Date(Date.UTC(tonight.getUTCFullYear(), tonight.getUTCMonth() + 1, 1, 2));
    const second = await handler({}, context(nextMonth));
    expect(second).toMatchObject({ threads: 0, inFlight: 1, parentJobIds: [] });

    await start({ AUTO_ARCHIVE_AFTER: afterAge, AUTO_ARCHIVE_CRON: '0 2 1 1 *' }, 'worker-late');
    await allArchived([late]);
    await eventually('the thread jobs', settledChildren, 60_000, 200);
    const { rows } = await sql<{ name: string }>`
      SELECT a.name FROM archive_item i JOIN archive a ON a.id = i.archive_id WHERE i.item_id = ${late}`.execute(db.owner);
    expect(rows).toEqual([{ name: autoArchiveName(tonight) }]);
    expect(await sql`SELECT 1 FROM archive WHERE name = ${autoArchiveName(nextMonth)}`.execute(db.owner).then((r) => r.rows)).toEqual([]);
  });
});
