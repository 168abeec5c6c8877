import { describe, expect, it } from 'vitest';
import { analyzePatternsJob } from '../../src/jobs/analyze-patterns.ts';
import { nightlyPatternsJob } from '../../src/jobs/nightly-patterns.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { caller, connectInMemory, countRows, errorText, ok, openMcpSuite, writeArchive } from '../support/mcp-fixtures.ts';
import { useSuite } from '../support/suite.ts';
import { unfenced } from '../support/fences.ts';

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';

/** Another user's id must answer exactly as an unknown id does: same message once the id is masked. */
const masked = (message: string, id: string) => message.replace(id, '<id>');

describe('cross-user isolation: another user\'s ids answer exactly as unknown ids', () => {
  const suite = useSuite(async (release) => {
    const { db, mcp, alice, bob, admin } = release(await openMcpSuite());
    const aliceClient = release(await connectInMemory(mcp.deps, caller(alice.id)));
    const bobClient = release(await connectInMemory(mcp.deps, caller(bob.id)));
    const adminClient = release(await connectInMemory(mcp.deps, caller(admin.id, true)));
    const aliceArchive = await writeArchive(db, {
      userId: alice.id,
      threadId: alice.threadIds[0]!,
      name: 'Zanzibar trip',
      summary: 'Spice farms in Zanzibar.',
      body: 'We planned a trip to Zanzibar with a visit to the spice farms.',
      storageLocation: 'nowhere.json',
    });
    const aliceArchiveJob = ok<{ jobId: string }>(
      await aliceClient.callTool({ name: 'archive_conversation', arguments: { threadId: alice.threadIds[1], name: 'Mine' } }),
    ).jobId;
    const alicePatternJob = ok<{ jobId: string }>(await aliceClient.callTool({ name: 'analyze_conversation_patterns', arguments: {} })).jobId;
    const scheduledJob = (
      await enqueue(mcp.boss, analyzePatternsJob, { range: { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' }, trigger: 'schedule' })
    ).jobId;
    const nightlyTrigger = (await enqueue(mcp.boss, nightlyPatternsJob, {})).jobId;
    const before = await countRows(db);
    return { db, mcp, alice, bob, aliceClient, bobClient, adminClient, aliceArchive, aliceArchiveJob, alicePatternJob, scheduledJob, nightlyTrigger, before };
  });

  async function sameAsUnknown(name: string, args: (id: string) => Record<string, unknown>, foreignId: string): Promise<string> {
    const foreign = errorText(await suite.bobClient.callTool({ name, arguments: args(foreignId) }));
    const unknown = errorText(await suite.bobClient.callTool({ name, arguments: args(UNKNOWN) }));
    expect(masked(foreign, foreignId)).toBe(masked(unknown, UNKNOWN));
    return foreign;
  }

  it('archive_conversation: another user\'s thread, or archive, is not found', async () => {
    expect(await sameAsUnknown('archive_conversation', (id) => ({ threadId: id, name: 'Steal' }), suite.alice.threadIds[2]!)).toMatch(/^thread .* not found$/);
    const intoForeign = await sameAsUnknown(
      'archive_conversation',
      (id) => ({ threadId: suite.bob.threadIds[0], name: 'Into hers', archiveId: id }),
      suite.aliceArchive.archiveId,
    );
    expect(intoForeign).toMatch(/^archive .* not found$/);
  });

  it('get_job: another user\'s jobs and scheduled jobs are not found; admins see them', async () => {
    for (const jobId of [suite.aliceArchiveJob, suite.alicePatternJob, suite.scheduledJob]) {
      expect(await sameAsUnknown('get_job', (id) => ({ jobId: id }), jobId)).toMatch(/^job .* not found$/);
      expect(ok<{ jobId: string }>(await suite.adminClient.callTool({ name: 'get_job', arguments: { jobId } })).jobId).toBe(jobId);
    }
    expect(ok(await suite.aliceClient.callTool({ name: 'get_job', arguments: { jobId: suite.aliceArchiveJob } }))).toMatchObject({ state: 'queued' });
    expect(errorText(await suite.aliceClient.callTool({ name: 'get_job', arguments: { jobId: suite.scheduledJob } }))).toMatch(/not found/);
    // Internal queues (the nightly trigger) are not jobs of the tools: unknown to everyone.
    expect(errorText(await suite.adminClient.callTool({ name: 'get_job', arguments: { jobId: suite.nightlyTrigger } }))).toBe(`job ${suite.nightlyTrigger} not found`);
  });

  it('get_archive: another user\'s archive is not found, for admins too', async () => {
    expect(await sameAsUnknown('get_archive', (id) => ({ archiveId: id }), suite.aliceArchive.archiveId)).toMatch(/^archive .* not found$/);
    expect(errorText(await suite.adminClient.callTool({ name: 'get_archive', arguments: { archiveId: suite.aliceArchive.archiveId } }))).toMatch(/not found/);
    expect(unfenced(ok<{ name: string }>(await suite.aliceClient.callTool({ name: 'get_archive', arguments: { archiveId: suite.aliceArchive.archiveId } })).name)).toBe('Zanzibar trip');
  });

  it('search_archives: hits come only from the caller\'s archives; userId is for admins only', async () => {
    expect(ok<{ hits: unknown[] }>(await suite.aliceClient.callTool({ name: 'search_archives', arguments: { query: 'zanzibar' } })).hits).toHaveLength(1);
    expect(ok<{ hits: unknown[] }>(await suite.bobClient.callTool({ name: 'search_archives', arguments: { query: 'zanzibar' } })).hits).toEqual([]);
    expect(errorText(await suite.bobClient.callTool({ name: 'search_archives', arguments: { query: 'zanzibar', userId: suite.alice.id } }))).toMatch(
      /only an admin token may name another user/,
    );
    expect(ok<{ hits: unknown[] }>(await suite.bobClient.callTool({ name: 'search_archives', arguments: { query: 'zanzibar', userId: suite.bob.id } })).hits).toEqual([]);
  });

  it('list_archives: only the caller\'s archives', async () => {
    const bobs = ok<{ archives: Array<{ archiveId: string }> }>(await suite.bobClient.callTool({ name: 'list_archives', arguments: {} }));
    expect(bobs.archives).toEqual([]);
    const alices = ok<{ archives: Array<{ archiveId: string }> }>(await suite.aliceClient.callTool({ name: 'list_archives', arguments: {} }));
    expect(alices.archives.map((a) => a.archiveId)).toEqual([suite.aliceArchive.archiveId]);
  });

  it('analyze_conversation_patterns: another user only for admins', async () => {
    expect(errorText(await suite.bobClient.callTool({ name: 'analyze_conversation_patterns', arguments: { userId: suite.alice.id } }))).toMatch(/only an admin/);
  });

  it('resources: another user\'s archive and export are not found, and never listed', async () => {
    for (const suffix of ['', '/export']) {
      const foreign = await suite.bobClient.readResource({ uri: `archive://${suite.aliceArchive.archiveId}${suffix}` }).catch((e: Error) => e.message);
      const unknown = await suite.bobClient.readResource({ uri: `archive://${UNKNOWN}${suffix}` }).catch((e: Error) => e.message);
      expect(typeof foreign).toBe('string');
      expect(masked(foreign as string, suite.aliceArchive.archiveId)).toBe(masked(unknown as string, UNKNOWN));
      expect(foreign).toMatch(/not found/);
    }
    expect((await suite.bobClient.listResources()).resources).toEqual([]);
    expect((await suite.aliceClient.listResources()).resources.map((r) => r.uri)).toEqual([`archive://${suite.aliceArchive.archiveId}`]);
  });

  it('none of this wrote anything', async () => {
    expect(await countRows(suite.db)).toEqual(suite.before);
  });
});
