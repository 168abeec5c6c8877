import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { cliEnv } from '../support/cli-env.ts';
import { runCli } from '../support/run-cli.ts';
import { adminQuery } from '../support/test-cluster.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

interface Row {
  user_id: string;
  name: string;
  items: number;
}

describe('archive command: --into, --per-user-monthly, --archive-id and the app\'s name limits', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let worker: WorkerHandle;
  let exportDir: string;
  let users: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    env = cliEnv(db);
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-grouping-'));
    worker = await startWorker({ config: db.config({ EXPORT_DIR: exportDir }), serviceUrl: db.serviceUrl, log: createLogger('silent'), concurrency: 4, tuning: { pollingIntervalSeconds: 0.5 } });
    users = (await adminQuery<{ user_id: string }>(db.ownerUrl, 'SELECT DISTINCT user_id FROM chat_thread ORDER BY user_id')).map((r) => r.user_id);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
    await rm(exportDir, { recursive: true, force: true });
  });

  const archives = (userId: string) =>
    adminQuery<Row>(
      db.ownerUrl,
      `SELECT a.user_id, a.name, (SELECT count(*)::int FROM archive_item i WHERE i.archive_id = a.id) AS items
         FROM archive a WHERE a.user_id = $1 ORDER BY a.name`,
      [userId],
    );
  const threadCount = async (userId: string) =>
    (await adminQuery<{ n: number }>(db.ownerUrl, 'SELECT count(*)::int AS n FROM chat_thread WHERE user_id = $1', [userId]))[0]!.n;

  it('--into NAME puts all of a user\'s threads into one archive, and a second run adds nothing', async () => {
    const user = users[0]!;
    const first = await runCli(['archive', '--user', user, '--into', 'Everything so far'], env, 120_000);
    expect(first.stderr).toContain('archive "Everything so far"');
    expect(first.code).toBe(0);
    const total = await threadCount(user);
    expect(await archives(user)).toEqual([{ user_id: user, name: 'Everything so far', items: total }]);
    const again = await runCli(['archive', '--user', user, '--into', 'Everything so far', '--include-archived'], env, 120_000);
    expect(again.code).toBe(0);
    expect(await archives(user)).toEqual([{ user_id: user, name: 'Everything so far', items: total }]);
  });

  it('--per-user-monthly makes one "Archive YYYY-MM" per user and month of last activity', async () => {
    const user = users[1]!;
    const months = await adminQuery<{ month: string; n: number }>(
      db.ownerUrl,
      `SELECT to_char(COALESCE((SELECT max(m.created_at) FROM chat_message m WHERE m.thread_id = t.id), t.created_at), 'YYYY-MM') AS month, count(*)::int AS n
         FROM chat_thread t WHERE t.user_id = $1 GROUP BY 1 ORDER BY 1`,
      [user],
    );
    const result = await runCli(['archive', '--user', user, '--per-user-monthly', '--format', 'markdown'], env, 120_000);
    expect(result.code).toBe(0);
    expect(await archives(user)).toEqual(months.map((m) => ({ user_id: user, name: `Archive ${m.month}`, items: m.n })));
  });

  it('--archive-id adds a thread to an existing archive', async () => {
    const user = users[2]!;
    const [archive] = await adminQuery<{ id: string }>(db.ownerUrl, `INSERT INTO archive (name, user_id) VALUES ('Made in the app', $1) RETURNING id`, [user]);
    const [thread] = await adminQuery<{ id: string }>(db.ownerUrl, 'SELECT id FROM chat_thread WHERE user_id = $1 LIMIT 1', [user]);
    const result = await runCli(['archive', '--thread', thread!.id, '--archive-id', archive!.id], env, 120_000);
    expect(result.code).toBe(0);
    expect(await archives(user)).toEqual([{ user_id: user, name: 'Made in the app', items: 1 }]);
  });

  it('refuses names over 100 and descriptions over 500 characters, and contradictory options, writing nothing', async () => {
    const before = await adminQuery<{ n: number }>(db.ownerUrl, 'SELECT count(*)::int AS n FROM archive');
    const [thread] = await adminQuery<{ id: string }>(db.ownerUrl, 'SELECT id FROM chat_thread LIMIT 1');
    const cases: [string[], RegExp][] = [
      [['archive', '--thread', thread!.id, '--name', 'n'.repeat(101)], /--name must be at most 100 characters/],
      [['archive', '--thread', thread!.id, '--description', 'd'.repeat(501)], /--description must be at most 500 characters/],
      [['archive', '--all-users', '--into', 'x'.repeat(101)], /--into must be at most 100 characters/],
      [['archive', '--all-users', '--into', 'A', '--per-user-monthly'], /at most one of --name, --into, --archive-id and --per-user-monthly/],
      [['archive', '--all-users', '--archive-id', thread!.id], /--archive-id in bulk needs --user/],
      [['archive', '--thread', thread!.id, '--per-user-monthly'], /--per-user-monthly applies to --user or --all-users/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(await adminQuery<{ n: number }>(db.ownerUrl, 'SELECT count(*)::int AS n FROM archive')).toEqual(before);
  });
});
