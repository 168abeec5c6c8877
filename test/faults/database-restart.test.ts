import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, withDatabase } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/database.ts';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../../src/db/database-errors.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { migrateDatabase } from '../../src/db/prepare-database.ts';
import { ensureHostSchema, seedDemoData } from '../../src/demo/seed-demo.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { checkExportFiles, jobStates, serviceItemsPerThread, tempFilesUnder } from '../support/archive-checks.ts';
import { CLI, runCli } from '../support/run-cli.ts';
import { adminQuery, freePort, TEST_DEMO_UNTIL } from '../support/test-cluster.ts';
import { startBossClient } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

const queue = archiveConversationJob.queue;
const SERVICE_USER = 'ca_faults_service';
const SERVICE_PASSWORD = 'faults-service-password-0123';

// PostgreSQL restarts (fast shutdown: every connection is terminated with 57P01) while a worker process and the MCP
// server are busy. Both must ride it out without a restart of their own, MCP calls during the outage must answer
// "temporarily unavailable" at once, and every job sent before, during and after must complete once.
describe('a PostgreSQL restart under load', () => {
  let tempDir: string;
  let exportDir: string;
  let port: number;
  let postgres: EmbeddedPostgres;
  let ownerUrl: string;
  let owner: Kysely<Database>;
  let boss: PgBoss | undefined;
  let worker: WorkerProcess | undefined;
  let mcp: ChildProcess | undefined;
  let env: Record<string, string>;

  const startPostgres = () => startEmbeddedPostgres({ dataDir: path.join(tempDir, 'pg'), port, logFile: path.join(tempDir, 'postgres.log') });

  beforeAll(async () => {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'chat-archiver-faults-restart-'));
    // The server drops root privileges: it must be able to enter the directory.
    chmodSync(tempDir, 0o755);
    exportDir = path.join(tempDir, 'exports');
    port = await freePort();
    postgres = await startPostgres();
    await adminQuery(postgres.url, 'CREATE DATABASE faults');
    ownerUrl = withDatabase(postgres.url, 'faults');
    owner = createDb(ownerUrl, { max: 2 });
    await ensureHostSchema(owner as Kysely<unknown>);
    await seedDemoData(owner as Kysely<unknown>, { users: 4, threadsPerUser: 30, messagesPerThread: 6, seed: 5, days: 30, until: TEST_DEMO_UNTIL });
    await migrateDatabase(ownerUrl, { user: SERVICE_USER, password: SERVICE_PASSWORD });
    env = { DATABASE_URL: ownerUrl, MCP_DB_USER: SERVICE_USER, MCP_DB_PASSWORD: SERVICE_PASSWORD, EXPORT_DIR: exportDir, LOG_LEVEL: 'warn' };
  }, 180_000);
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    mcp?.kill('SIGKILL');
    await worker?.exited;
    await boss?.stop({ graceful: false }).catch(() => {});
    await owner?.destroy();
    await postgres?.stop();
    await rm(tempDir, { recursive: true, force: true });
  });

  async function startMcpServer(): Promise<{ url: string; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, [CLI, 'mcp'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, HOST: '127.0.0.1', PORT: String(await freePort()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    mcp = child;
    child.stderr!.resume();
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /MCP server listening on (\S+\/mcp)\b/.exec(out);
        if (match) resolve(match[1]!);
      });
      void exited.then((code) => reject(new Error(`mcp exited (${code}) before listening: ${out}`)));
    });
    return { url, exited };
  }

  async function callTool(url: string, token: string, name: string, args: Record<string, unknown>) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
      // Not a hang: an answer, whatever it is, comes well within this.
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as { result?: { isError?: boolean; structuredContent?: Record<string, unknown> }; error?: { message: string } } };
  }

  it('keeps the worker and the MCP server running, answers "temporarily unavailable" meanwhile and loses no job', async () => {
    const threads = await owner.selectFrom('chat_thread').select(['id', 'user_id']).orderBy('id').execute();
    const user = threads[0]!.user_id;
    const created = await runCli(['token', 'create', '--user', user], env);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();

    worker = await startWorkerProcess(env, { concurrency: 2 });
    const server = await startMcpServer();
    boss = await startBossClient(withServiceRole(ownerUrl));
    // Short heartbeats and retry delays for the jobs of this test (see worker-killed.test.ts).
    await boss.updateQueue(queue, { heartbeatSeconds: 10, retryDelay: 1, retryBackoff: false });

    const request = (thread: { id: string; user_id: string }) => ({ threadId: thread.id, name: 'Restart', exportFormat: 'json', requestedBy: thread.user_id });
    const before = threads.slice(0, 90);
    for (const thread of before) await enqueue(boss, archiveConversationJob, request(thread));
    // Through the MCP server too, before the outage.
    const viaMcp = await callTool(server.url, token, 'list_archives', {});
    expect(viaMcp.status).toBe(200);
    expect(viaMcp.body.result?.isError).toBeFalsy();

    await eventually('some jobs done', async () => (((await jobStates(owner, queue)).completed ?? 0) >= 10 ? true : undefined));
    const stoppingAt = Date.now();
    await postgres.stop();
    const downAt = Date.now();
    const leftBefore = before.length - (worker.logs.filter((line) => line.msg === 'job completed').length);
    await boss.stop({ graceful: false }).catch(() => {});
    boss = undefined;

    // During the outage: a clear answer, at once, from the running server.
    const during = await callTool(server.url, token, 'list_archives', {});
    const answeredInMs = Date.now() - downAt;
    expect(during.status).toBe(503);
    expect(during.body.error?.message).toBe(DATABASE_UNAVAILABLE_MESSAGE);
    await eventually('the worker to notice the outage', async () => (worker!.logs.some((line) => (line.level as number) >= 40 && line.time as number >= stoppingAt) ? true : undefined), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; log: ${JSON.stringify(worker!.logs.filter((l) => (l.level as number) >= 40).slice(-5))}; left ${leftBefore}`);
    });
    expect(worker.child.exitCode, `worker exited: ${worker.otherStderr()}`).toBeNull();
    expect(mcp!.exitCode).toBeNull();

    postgres = await startPostgres();
    const upAt = Date.now();
    // The same server answers again by itself.
    const after = await eventually('the MCP server to answer again', async () => {
      const result = await callTool(server.url, token, 'list_archives', {});
      return result.status === 200 && !result.body.result?.isError ? result : undefined;
    }, 30_000);
    expect(after.body.result?.structuredContent).toBeDefined();
    const mcpBackMs = Date.now() - upAt;

    // Work sent after the restart, through MCP and directly.
    const mcpThread = threads.slice(90).find((t) => t.user_id === user)!;
    const queued = await callTool(server.url, token, 'archive_conversation', { threadId: mcpThread.id, name: 'Restart', exportFormat: 'json' });
    expect(queued.body.result?.isError).toBeFalsy();
    boss = await startBossClient(withServiceRole(ownerUrl));
    const afterThreads = threads.slice(90).filter((t) => t.id !== mcpThread.id).slice(0, 20);
    for (const thread of afterThreads) await enqueue(boss, archiveConversationJob, request(thread));

    const total = before.length + 1 + afterThreads.length;
    await eventually('every job to complete', async () => ((await jobStates(owner, queue)).completed === total ? true : undefined), 120_000);
    expect(await jobStates(owner, queue)).toEqual({ completed: total });
    const perThread = await serviceItemsPerThread(owner);
    expect([...perThread.values()].every((n) => n === 1)).toBe(true);
    expect(perThread.size).toBe(total);
    expect(await checkExportFiles(owner)).toEqual({ checked: total, problems: [] });
    expect(await tempFilesUnder(exportDir)).toEqual([]);
    const retried = (await boss.findJobs(queue, { limit: 1000 })).filter((job) => job.retryCount > 0).length;

    expect(worker.child.exitCode, `worker exited: ${worker.otherStderr()}`).toBeNull();
    expect(await worker.stop()).toBe(0);
    mcp!.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    console.info(
      `[faults] database restart: ${total} jobs (${before.length} before, ${total - before.length} after), 1 restart, ` +
        `${leftBefore} unfinished at the stop, outage ${((upAt - downAt) / 1000).toFixed(1)} s, MCP answered 503 in ${answeredInMs} ms, back ${mcpBackMs} ms after the restart, ${retried} job(s) retried`,
    );
  }, 240_000);

  function withServiceRole(url: string): string {
    const u = new URL(url);
    u.username = SERVICE_USER;
    u.password = SERVICE_PASSWORD;
    return u.toString();
  }
});
