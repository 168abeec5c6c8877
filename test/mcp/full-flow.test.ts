import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { unfenced } from '../support/fences.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { caller, connectInMemory, demoUsers, errorText, ok, openTestMcp, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import { eventually } from '../support/eventually.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { closeAll } from '../support/close-all.ts';

interface JobView {
  state: string;
  done: boolean;
  result: Record<string, unknown> | null;
  error: string | null;
  errorCode: string | null;
}

describe('full flow: archive_conversation → worker → get_job → search_archives → resources', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let worker: WorkerHandle;
  let alice: DemoUser;
  let bob: DemoUser;
  let client: Client;
  let bobClient: Client;
  let thread: { id: string; title: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    mcp = await openTestMcp(db);
    worker = await startWorker({
      config: db.config({ EXPORT_DIR: mcp.exportDir }),
      serviceUrl: db.serviceUrl,
      log: createLogger('silent'),
      concurrency: 2,
      instanceName: 'test-worker',
    });
    [alice, bob] = (await demoUsers(db)).filter((u) => u.role !== 'admin') as [DemoUser, DemoUser];
    thread = await db.owner
      .selectFrom('chat_thread')
      .select(['id', 'title'])
      .where('user_id', '=', alice.id)
      .where('title', '=', 'Postgres connection pool exhaustion')
      .orderBy('created_at')
      .executeTakeFirstOrThrow();
    client = await connectInMemory(mcp.deps, caller(alice.id));
    bobClient = await connectInMemory(mcp.deps, caller(bob.id));
  });
  afterAll(() => closeAll(client, bobClient, worker, mcp, db));

  /** What an agent does: poll get_job until done, as the server instructions say. */
  const pollUntilDone = (jobId: string) =>
    eventually(`job ${jobId} to be done`, async () => {
      const view = ok<JobView>(await client.callTool({ name: 'get_job', arguments: { jobId } }));
      return view.done ? view : undefined;
    });

  it('archives a thread, reports the output, finds it by search, and serves the archive and its export', async () => {
    const { jobId } = ok<{ jobId: string }>(
      await client.callTool({ name: 'archive_conversation', arguments: { threadId: thread.id, name: 'Pool incident', exportFormat: 'markdown' } }),
    );
    const job = await pollUntilDone(jobId);
    expect(job).toMatchObject({ state: 'completed', error: null });
    const result = job.result as { archiveId: string; tokensCount: number; storageLocation: string };
    expect(result.tokensCount).toBeGreaterThan(0);
    // Agents see the export's key inside the store, never a server path.
    expect(result.storageLocation).toBe(`${result.archiveId}/${thread.id}.${jobId}.md`);

    const search = ok<{ hits: Array<{ archiveId: string; threadId: string; snippet: string; threadTitle: string; tokens: number }> }>(
      await client.callTool({ name: 'search_archives', arguments: { query: 'idle connections' } }),
    );
    expect(search.hits.map((h) => h.archiveId)).toEqual([result.archiveId]);
    expect(search.hits[0]).toMatchObject({ threadId: thread.id, tokens: result.tokensCount });
    expect(unfenced(search.hits[0]!.threadTitle)).toBe(thread.title);
    expect(search.hits[0]!.snippet).toMatch(/\*\*idle\*\* \*\*connections\*\*/);

    const archive = ok<{ name: string; exportFormat: string; exportLocation: string; tokens: number; items: Array<{ threadId: string; summary: string; analysis: { messageCount: number } }> }>(
      await client.callTool({ name: 'get_archive', arguments: { archiveId: result.archiveId } }),
    );
    expect(archive).toMatchObject({ exportFormat: 'markdown', exportLocation: result.storageLocation, tokens: result.tokensCount });
    expect(unfenced(archive.name)).toBe('Pool incident');
    expect(archive.items).toHaveLength(1);
    expect(archive.items[0]!.threadId).toBe(thread.id);
    expect(unfenced(archive.items[0]!.summary)).not.toBe('');
    expect(archive.items[0]!.analysis.messageCount).toBe(12);

    const json = await client.readResource({ uri: `archive://${result.archiveId}` });
    expect(JSON.parse((json.contents[0] as { text: string }).text)).toMatchObject({ archiveId: result.archiveId, items: [{ threadId: thread.id }] });
    const exported = await client.readResource({ uri: `archive://${result.archiveId}/export` });
    const file = await readFile(path.join(mcp.exportDir, result.storageLocation), 'utf8');
    expect(exported.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    expect(unfenced((exported.contents[0] as { text: string }).text)).toBe(file);
    expect(file).toContain(thread.title);

    // Nothing of it is visible to another user.
    expect(errorText(await bobClient.callTool({ name: 'get_job', arguments: { jobId } }))).toBe(`job ${jobId} not found`);
    expect(ok<{ hits: unknown[] }>(await bobClient.callTool({ name: 'search_archives', arguments: { query: 'idle connections' } })).hits).toEqual([]);
    await expect(bobClient.readResource({ uri: `archive://${result.archiveId}/export` })).rejects.toThrow(/not found/);
  });

  it('serves a PDF export as a blob', async () => {
    const { jobId } = ok<{ jobId: string }>(
      await client.callTool({ name: 'archive_conversation', arguments: { threadId: thread.id, name: 'Pool incident (PDF)', exportFormat: 'pdf' } }),
    );
    const job = await pollUntilDone(jobId);
    const { archiveId } = job.result as { archiveId: string };
    const pdf = await client.readResource({ uri: `archive://${archiveId}/export` });
    const blob = Buffer.from((pdf.contents[0] as { blob: string }).blob, 'base64');
    expect(pdf.contents[0]!.mimeType).toBe('application/pdf');
    expect(blob.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('analyses the caller\'s patterns and returns the analysis through get_job', async () => {
    const { jobId } = ok<{ jobId: string }>(
      await client.callTool({
        name: 'analyze_conversation_patterns',
        arguments: { timeRange: { start: '2025-12-01T00:00:00Z', end: '2026-01-31T00:00:00Z' } },
      }),
    );
    const job = await pollUntilDone(jobId);
    expect(job.state).toBe('completed');
    const analysis = (job.result as { analysis: { userId: string; totals: { messages: number; activeThreads: number } } }).analysis;
    expect(unfenced(analysis.userId)).toBe(alice.id);
    expect(analysis.totals.messages).toBeGreaterThan(0);
    expect(analysis.totals.activeThreads).toBeLessThanOrEqual(alice.threadIds.length);
  });

  it('reports a job that the worker refuses as failed, with its reason', async () => {
    // The thread is checked when the job is queued; it disappears before the worker runs it.
    const victim = alice.threadIds.find((id) => id !== thread.id)!;
    await worker.stop();
    const { jobId } = ok<{ jobId: string }>(await client.callTool({ name: 'archive_conversation', arguments: { threadId: victim, name: 'Gone' } }));
    await db.owner.deleteFrom('chat_thread').where('id', '=', victim).execute();
    worker = await startWorker({ config: db.config({ EXPORT_DIR: mcp.exportDir }), serviceUrl: db.serviceUrl, log: createLogger('silent'), instanceName: 'test-worker-2' });
    const job = await pollUntilDone(jobId);
    expect(job).toMatchObject({ state: 'failed', errorCode: 'thread_not_found' });
    expect(job.error).toMatch(/does not exist/);
    expect(job.error).not.toMatch(/SELECT|\n/);
  });
});
