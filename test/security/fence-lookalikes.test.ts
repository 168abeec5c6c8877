import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_NAME_MAX } from '../../src/jobs/archive-naming.ts';
import { createLogger } from '../../src/logger.ts';
import { MARKER_NAME } from '../../src/mcp/untrusted-content.ts';
import { runIndexPass } from '../../src/search/message-index-pass.ts';
import type { WorkerHandle } from '../../src/worker/start-worker.ts';
import { fenceMarkers } from '../support/fences.ts';
import { markerLookAlikes, markerWordVariants, MARKER_AS_READ, readerView } from '../support/marker-lookalikes.ts';
import { caller, connectInMemory, ok, openMcpWithWorker, type DemoUser, type TestMcp } from '../support/mcp-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { eventually } from '../support/eventually.ts';

// Each planted string starts with a canary word, so the test can tell where it came back, fenced or not.
const CANARY = /zq[a-z]+zq/;
const canary = (kind: string) => `zq${kind}zq`;
const NONCE = new RegExp(`<${MARKER_NAME} nonce="([0-9a-f]{24})">`, 'g');

/** Every string of a JSON value, object keys included. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, v]) => [key, ...stringsOf(v)]);
  return [];
}

/**
 * One response: all its fences share one nonce; in every string, the markers with that nonce pair up with nothing
 * between an open and its close that reads as a marker; outside the fences no marker look-alike and no planted
 * canary. Returns the canaries seen inside fences.
 */
function checkResponse(label: string, value: unknown): Set<string> {
  const strings = stringsOf(value);
  const nonces = new Set(strings.flatMap((s) => [...s.matchAll(NONCE)].map((m) => m[1]!)));
  expect(nonces.size, `${label}: one nonce per response`).toBeLessThanOrEqual(1);
  const { open, close } = fenceMarkers([...nonces][0] ?? 'none');
  const seen = new Set<string>();
  for (const text of strings) {
    let at = 0;
    let outside = '';
    for (;;) {
      const start = text.indexOf(open, at);
      const stray = text.indexOf(close, at);
      if (start === -1) {
        expect(stray, `${label}: a close marker outside any fence`).toBe(-1);
        outside += text.slice(at);
        break;
      }
      expect(stray === -1 || stray > start, `${label}: a close marker before its open marker`).toBe(true);
      outside += text.slice(at, start);
      const end = text.indexOf(close, start + open.length);
      expect(end, `${label}: a fence left open`).toBeGreaterThan(start);
      const inside = text.slice(start + open.length, end);
      expect(inside.includes(open), `${label}: a fence inside a fence`).toBe(false);
      expect(readerView(inside), `${label}: a marker look-alike inside a fence`).not.toMatch(MARKER_AS_READ);
      for (const m of inside.matchAll(new RegExp(CANARY, 'g'))) seen.add(m[0]);
      at = end + close.length;
    }
    expect(readerView(outside), `${label}: a marker look-alike outside the fences`).not.toMatch(MARKER_AS_READ);
    expect(outside, `${label}: chat-derived text outside a fence`).not.toMatch(CANARY);
  }
  return seen;
}

describe('the fence around chat-derived strings holds against marker look-alikes, in every tool and resource', () => {
  let db: TestDatabase;
  let mcp: TestMcp;
  let worker: WorkerHandle;
  let alice: DemoUser;
  let client: Client;
  let archiveId: string;
  let archiveJobId: string;
  let analysisJobId: string;
  const lookAlikes = markerLookAlikes();
  const words = markerWordVariants();
  const planted = (kind: string, step = 1) => `${canary(kind)} ${lookAlikes.filter((_, i) => i % step === 0).join(' ')}`;
  // Names in message metadata are kept up to 200 characters.
  const plantedName = (kind: string, offset: number, max = 200) => Array.from(`${canary(kind)} ${lookAlikes.slice(offset).join(' ')}`).slice(0, max).join('').trim();

  beforeAll(async () => {
    expect(lookAlikes.length).toBeGreaterThan(300);
    db = await createTestDatabase();
    ({ mcp, worker, user: alice } = await openMcpWithWorker(db, 'fence-worker'));
    const agentId = randomUUID();
    await db.owner.insertInto('agent').values({ id: agentId, name: planted('agentname', 20), user_id: alice.id, visibility: 'private' }).execute();
    const threadId = randomUUID();
    await db.owner.insertInto('chat_thread').values({ id: threadId, title: planted('title'), user_id: alice.id }).execute();
    const now = Date.now();
    const toolParts = words
      .filter((_, i) => i % 8 === 0)
      .slice(0, 45)
      .map((word, i) => ({ type: `tool-${canary('tool')}</${word}>`, toolCallId: `call-${i}`, state: 'output-available', input: {}, output: { ok: true } }));
    const messages: Array<{ role: string; parts: unknown[]; metadata: unknown }> = [
      { role: 'user', parts: [{ type: 'text', text: `${canary('text')} Please plan the garden. ${lookAlikes.join('\n')}` }], metadata: null },
      {
        role: 'assistant',
        parts: [{ type: 'text', text: `Here is the plan. ${canary('reply')} ${lookAlikes.slice(0, 50).join(' ')}` }, ...toolParts],
        metadata: {
          chatModel: { provider: plantedName('provider', 7), model: plantedName('model', 150) },
          agentId,
          usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 },
        },
      },
      { role: 'assistant', parts: [{ type: 'text', text: 'Done.' }], metadata: { agentId: plantedName('agentid', 300) } },
    ];
    for (const [index, message] of messages.entries()) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, metadata, created_at)
                VALUES (${randomUUID()}, ${threadId}, ${message.role},
                        ARRAY(SELECT json_array_elements(${JSON.stringify(message.parts)}::json)),
                        ${message.metadata === null ? null : JSON.stringify(message.metadata)}::json,
                        ${new Date(now - 3_600_000 + index * 1000)})`.execute(db.owner);
    }
    await runIndexPass(db.service, { batchSize: 500, sweepThreads: 1000, lookbackSeconds: 7200, log: createLogger('silent') });
    client = await connectInMemory(mcp.deps, caller(alice.id));
    const done = async (jobId: string) =>
      eventually(`job ${jobId}`, async () => {
        const view = ok<{ done: boolean; state: string; result: { archiveId: string } | null }>(await client.callTool({ name: 'get_job', arguments: { jobId } }));
        return view.done ? view : undefined;
      });
    ({ jobId: archiveJobId } = ok<{ jobId: string }>(await client.callTool({ name: 'archive_conversation', arguments: { threadId, name: plantedName('archivename', 20, ARCHIVE_NAME_MAX), exportFormat: 'json' } })));
    const archived = await done(archiveJobId);
    expect(archived.state).toBe('completed');
    archiveId = archived.result!.archiveId;
    // Names and descriptions are the user's (or the host app's) own text: planted straight into the row.
    await db.owner.updateTable('archive').set({ name: planted('archivename'), description: planted('description') }).where('id', '=', archiveId).execute();
    ({ jobId: analysisJobId } = ok<{ jobId: string }>(await client.callTool({ name: 'analyze_conversation_patterns', arguments: {} })));
    expect((await done(analysisJobId)).state).toBe('completed');
  });
  afterAll(async () => {
    await client?.close();
    await worker?.stop();
    await mcp?.close();
    await db?.drop();
  });

  const tool = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    // The text content is what most agents read; the structured content is the same object.
    return JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as unknown;
  };

  it('get_job: the analysis names tools, models, providers and agents only inside the fence', async () => {
    const seen = checkResponse('get_job analysis', await tool('get_job', { jobId: analysisJobId }));
    expect([...seen].sort()).toEqual(['zqagentidzq', 'zqagentnamezq', 'zqmodelzq', 'zqproviderzq', 'zqtoolzq']);
    expect(checkResponse('get_job archive', await tool('get_job', { jobId: archiveJobId }))).toEqual(new Set());
  });

  it('get_archive and archive://{id}: name, description, title, summary, analysis and metadata fenced', async () => {
    const expected = ['zqagentidzq', 'zqarchivenamezq', 'zqdescriptionzq', 'zqmodelzq', 'zqproviderzq', 'zqtitlezq', 'zqtoolzq'];
    const viaTool = checkResponse('get_archive', await tool('get_archive', { archiveId }));
    expect([...viaTool].filter((c) => expected.includes(c)).sort()).toEqual(expected);
    const resource = await client.readResource({ uri: `archive://${archiveId}` });
    const viaResource = checkResponse('archive://', JSON.parse((resource.contents[0] as { text: string }).text));
    expect([...viaResource].filter((c) => expected.includes(c)).sort()).toEqual(expected);
  });

  it('archive://{id}/export: the whole file is one fence', async () => {
    const resource = await client.readResource({ uri: `archive://${archiveId}/export` });
    const text = (resource.contents[0] as { text: string }).text;
    const seen = checkResponse('export', text);
    expect(seen.has('zqtextzq') && seen.has('zqtitlezq')).toBe(true);
    expect(text.split(fenceMarkers([...text.matchAll(NONCE)][0]![1]!).close)).toHaveLength(2);
  });

  it('list_archives, resources/list and both searches', async () => {
    // The archive's metadata digest names the top tools and the models.
    const listed = checkResponse('list_archives', await tool('list_archives', {}));
    expect(listed).toEqual(new Set(['zqarchivenamezq', 'zqdescriptionzq', 'zqmodelzq', 'zqproviderzq', 'zqtoolzq']));
    // Each listed resource repeats the template's description (this server's own text, which names the markers).
    const resources = (await client.listResources()).resources.map(({ description: _, ...resource }) => resource);
    expect(checkResponse('resources/list', resources)).toEqual(new Set(['zqarchivenamezq']));
    const archives = checkResponse('search_archives', await tool('search_archives', { query: canary('text') }));
    expect([...archives].sort()).toEqual(['zqarchivenamezq', 'zqtextzq', 'zqtitlezq']);
    const conversations = checkResponse('search_conversations', await tool('search_conversations', { query: canary('text') }));
    expect([...conversations].sort()).toEqual(['zqtextzq', 'zqtitlezq']);
  });

  it('draws a new nonce for every response', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const text = (await client.callTool({ name: 'list_archives', arguments: {} })).content as Array<{ text: string }>;
      for (const m of text[0]!.text.matchAll(new RegExp(`<${MARKER_NAME} nonce=\\\\"([0-9a-f]{24})\\\\">`, 'g'))) nonces.add(m[1]!);
    }
    expect(nonces.size).toBe(5);
  });
});
