import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { closeAll } from '../support/close-all.ts';
import { caller, connectInMemory, errorText, ok, openMcpSuite, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import { eventually } from '../support/eventually.ts';
import type { TestDatabase } from '../support/test-database.ts';

interface JobView {
  jobId: string;
  state: string;
  done: boolean;
}

describe('get_job with waitSeconds', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let alice: DemoUser, bob: DemoUser;
  let aliceClient: Client, bobClient: Client;

  beforeAll(async () => {
    ({ db, mcp, alice, bob } = await openMcpSuite());
    aliceClient = await connectInMemory(mcp.deps, caller(alice.id));
    bobClient = await connectInMemory(mcp.deps, caller(bob.id));
  });
  afterAll(() => closeAll(mcp, db));

  const enqueue = async (index: number): Promise<string> =>
    ok<{ jobId: string }>(await aliceClient.callTool({ name: 'archive_conversation', arguments: { threadId: alice.threadIds[index], name: `Wait ${index}` } })).jobId;

  /** Plays the worker's part: takes the job so it can be completed. */
  const activate = async (jobId: string): Promise<void> => {
    await eventually(
      `job ${jobId} to be fetched`,
      async () => {
        await sql`UPDATE pgboss.job SET start_after = now() WHERE id = ${jobId}`.execute(db.owner);
        const jobs = await mcp.boss.fetch(archiveConversationJob.queue, { batchSize: 50 });
        return jobs.some((j) => j.id === jobId);
      },
      15_000,
    );
  };

  it('answers as soon as the job completes, before its wait ends', async () => {
    const jobId = await enqueue(0);
    await activate(jobId);
    const waitSeconds = 20;
    const started = Date.now();
    const waiting = aliceClient.callTool({ name: 'get_job', arguments: { jobId, waitSeconds } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await mcp.boss.complete(archiveConversationJob.queue, jobId, { archiveId: '00000000-0000-4000-8000-000000000000', tokens: 1, exportLocation: '/x.json' });
    const view = ok<JobView>(await waiting);
    const answered = Date.now();
    expect(view).toMatchObject({ jobId, state: 'completed', done: true });
    expect(answered).toBeLessThan(started + waitSeconds * 1000);
  });

  it('answers when a waited-on job is cancelled', async () => {
    const jobId = await enqueue(1);
    const started = Date.now();
    const waiting = aliceClient.callTool({ name: 'get_job', arguments: { jobId, waitSeconds: 20 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await mcp.boss.cancel(archiveConversationJob.queue, jobId);
    expect(ok<JobView>(await waiting)).toMatchObject({ state: 'cancelled', done: true });
    expect(Date.now()).toBeLessThan(started + 20_000);
  });

  it('answers after the wait with the job still pending when it does not finish', async () => {
    const jobId = await enqueue(2);
    const started = Date.now();
    const view = ok<JobView>(await aliceClient.callTool({ name: 'get_job', arguments: { jobId, waitSeconds: 1 } }));
    expect(view).toMatchObject({ jobId, state: 'queued', done: false });
    expect(Date.now()).toBeGreaterThanOrEqual(started + 1000);
  });

  it('rejects a waitSeconds outside 0–25 or not a whole number, as a tool error', async () => {
    const jobId = await enqueue(3);
    for (const waitSeconds of [26, -1, 1.5]) {
      const result = await aliceClient.callTool({ name: 'get_job', arguments: { jobId, waitSeconds } });
      expect(result.isError, `waitSeconds ${waitSeconds}`).toBe(true);
      expect(errorText(result)).toMatch(/waitSeconds/);
    }
  });

  it('keeps 100 concurrent waits off the pool: another user\'s cheap call answers meanwhile', async () => {
    const jobId = await enqueue(4);
    const waitSeconds = 4;
    const started = Date.now();
    const waits = Array.from({ length: 100 }, () => aliceClient.callTool({ name: 'get_job', arguments: { jobId, waitSeconds } }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const listed = await bobClient.callTool({ name: 'list_archives', arguments: {} });
    const listedAt = Date.now();
    expect(listed.isError).toBeFalsy();
    const views = (await Promise.all(waits)).map((w) => ok<JobView>(w));
    expect(listedAt).toBeLessThan(started + waitSeconds * 1000);
    expect(views.every((v) => v.state === 'queued' && !v.done)).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(started + waitSeconds * 1000);
  });
});
