import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { analyzePatternsJob } from '../../src/jobs/analyze-patterns.ts';
import { archiveConversationJob } from '../../src/jobs/archive-conversation.ts';
import { jobQuotaOf } from '../../src/mcp/job-quota.ts';
import type { McpDependencies } from '../../src/mcp/mcp-dependencies.ts';
import { closeAll } from '../support/close-all.ts';
import { caller, connectInMemory, errorText, ok, openMcpSuite, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import type { TestDatabase } from '../support/test-database.ts';

const DAY_MS = 86_400_000;
const range = (days: number, endDaysAgo = 0) => {
  const end = Date.UTC(2026, 0, 1) - endDaysAgo * DAY_MS;
  return { start: new Date(end - days * DAY_MS).toISOString(), end: new Date(end).toISOString() };
};

describe('per-user job quotas and the non-admin analysis range', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let deps: McpDependencies;
  let alice: DemoUser, bob: DemoUser, admin: DemoUser;
  let aliceClient: Client, bobClient: Client, adminClient: Client;

  beforeAll(async () => {
    ({ db, mcp, admin, alice, bob } = await openMcpSuite());
    deps = {
      ...mcp.deps,
      limits: { ...mcp.deps.limits, jobsPerUser: { byQueue: { [archiveConversationJob.queue]: 2, [analyzePatternsJob.queue]: 1 }, otherQueues: 5 }, analysisMaxDays: 30 },
    };
    aliceClient = await connectInMemory(deps, caller(alice.id));
    bobClient = await connectInMemory(deps, caller(bob.id));
    adminClient = await connectInMemory(deps, caller(admin.id, true));
  });
  afterAll(() => closeAll(mcp, db));

  const archive = (client: Client, threadId: string, name: string) => client.callTool({ name: 'archive_conversation', arguments: { threadId, name } });

  it('has defaults of 20 archive jobs and 3 analyses per user, configurable per queue', () => {
    const limits = loadConfig({}).mcp.limits;
    expect(jobQuotaOf(limits, archiveConversationJob.queue)).toBe(20);
    expect(jobQuotaOf(limits, analyzePatternsJob.queue)).toBe(3);
    expect(jobQuotaOf(limits, 'a-queue-added-later')).toBe(20);
    expect(loadConfig({ MCP_ARCHIVE_JOBS_PER_USER: '7', MCP_ANALYSIS_MAX_DAYS: '10' }).mcp.limits).toMatchObject({
      jobsPerUser: { byQueue: { [archiveConversationJob.queue]: 7 } },
      analysisMaxDays: 10,
    });
  });

  it('refuses a user\'s archive job beyond the quota of queued + active jobs, naming the limit; duplicates still answer', async () => {
    const first = ok<{ jobId: string }>(await archive(aliceClient, alice.threadIds[0]!, 'one'));
    ok(await archive(aliceClient, alice.threadIds[0]!, 'two'));
    const refused = errorText(await archive(aliceClient, alice.threadIds[0]!, 'three'));
    expect(refused).toMatch(/job quota reached: you have 2 archive-conversation jobs queued or running, the limit is 2 per user/);
    // The same request as a pending one is its job, not a new one.
    const again = ok<{ jobId: string; deduplicated: boolean }>(await archive(aliceClient, alice.threadIds[0]!, 'one'));
    expect(again).toMatchObject({ jobId: first.jobId, deduplicated: true });
    // Other users have their own quota; admin tokens have none.
    ok(await archive(bobClient, bob.threadIds[0]!, 'bob one'));
    for (const name of ['a1', 'a2', 'a3']) ok(await archive(adminClient, admin.threadIds[0]!, name));
    const audited = await db.owner.selectFrom('mcp_archiver.audit_log').select('outcome').where('operation', '=', 'archive_conversation').where('user_id', '=', alice.id).execute();
    expect(audited.map((r) => r.outcome).sort()).toEqual(['limited', 'ok', 'ok', 'ok']);
  });

  it('frees a slot once a job leaves the queue', async () => {
    const [job] = await mcp.boss.findJobs(archiveConversationJob.queue, { queued: true, data: { requestedBy: alice.id } as never });
    await mcp.boss.cancel(archiveConversationJob.queue, job!.id);
    ok(await archive(aliceClient, alice.threadIds[0]!, 'three'));
  });

  it('counts snapshot jobs against the quota of their queue, as every job-creating tool does', async () => {
    const agent = await db.owner
      .selectFrom('agent')
      .select('id')
      .where((eb) => eb.or([eb('visibility', '=', 'public'), eb('user_id', '=', bob.id)]))
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const snapshot = (name: string) => bobClient.callTool({ name: 'archive_agent', arguments: { agentId: agent.id, name } });
    for (const name of ['s1', 's2', 's3', 's4', 's5']) ok(await snapshot(name));
    expect(errorText(await snapshot('s6'))).toMatch(/job quota reached: you have 5 archive-agent jobs queued or running, the limit is 5 per user/);
  });

  it('holds the quota under concurrent calls of one user', async () => {
    const results = await Promise.all(['c1', 'c2', 'c3', 'c4'].map((name) => archive(bobClient, bob.threadIds[1] ?? bob.threadIds[0]!, name)));
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
  });

  it('caps analyses per user and the range a non-admin token may analyse; admin tokens are not limited', async () => {
    const tooLong = errorText(await aliceClient.callTool({ name: 'analyze_conversation_patterns', arguments: { timeRange: range(60) } }));
    expect(tooLong).toMatch(/spans 60 days, more than the 30 days a non-admin token may analyse \(MCP_ANALYSIS_MAX_DAYS\)/);
    ok(await aliceClient.callTool({ name: 'analyze_conversation_patterns', arguments: { timeRange: range(20) } }));
    expect(errorText(await aliceClient.callTool({ name: 'analyze_conversation_patterns', arguments: { timeRange: range(20, 40) } }))).toMatch(
      /the limit is 1 per user/,
    );
    ok(await adminClient.callTool({ name: 'analyze_conversation_patterns', arguments: { timeRange: range(300), userId: alice.id } }));
    ok(await adminClient.callTool({ name: 'analyze_conversation_patterns', arguments: { timeRange: range(300, 1), userId: alice.id } }));
  });

  it('keeps an admin\'s analysis of a user and that user\'s own request for the same range apart, each readable by its requester\'s token only', async () => {
    const same = range(10, 100);
    const mine = ok<{ jobId: string }>(await bobClient.callTool({ name: 'analyze_conversation_patterns', arguments: { timeRange: same } }));
    const theirs = ok<{ jobId: string }>(await adminClient.callTool({ name: 'analyze_conversation_patterns', arguments: { timeRange: same, userId: bob.id } }));
    expect(theirs.jobId).not.toBe(mine.jobId);
    ok(await bobClient.callTool({ name: 'get_job', arguments: { jobId: mine.jobId } }));
    expect(errorText(await bobClient.callTool({ name: 'get_job', arguments: { jobId: theirs.jobId } }))).toMatch(/not found/);
    // The admin user's plain token (or one left after the admin token was revoked) cannot read what the admin token asked about bob.
    const plainTokenOfAdmin = await connectInMemory(deps, caller(admin.id, false));
    expect(errorText(await plainTokenOfAdmin.callTool({ name: 'get_job', arguments: { jobId: theirs.jobId } }))).toMatch(/not found/);
    ok(await adminClient.callTool({ name: 'get_job', arguments: { jobId: theirs.jobId } }));
  });
});
