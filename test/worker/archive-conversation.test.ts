import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { getEncoding } from 'js-tiktoken';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { conversationAnalysisSchema } from '../../src/analysis/conversation-analysis.ts';
import { extractMessageContent } from '../../src/chat/message-content.ts';
import { archiveConversationJob, archiveConversationOutput } from '../../src/jobs/archive-conversation.ts';
import type { ArchiveStep } from '../../src/jobs/archive-conversation-handler.ts';
import { archiveItemMetadataSchema, archiveMcpMetadataSchema } from '../../src/jobs/archive-metadata.ts';
import type { JobContext } from '../../src/jobs/job-handler.ts';
import { enqueue } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorker } from '../../src/worker/start-worker.ts';
import { readPdf } from '../export/pdf-text.ts';
import { useSuite } from '../support/suite.ts';
import { deadLettersOf, gate, openJobTestBed, waitForSettled } from '../support/worker-harness.ts';
import { eventually } from '../support/eventually.ts';

const queue = archiveConversationJob.queue;

describe('archive-conversation job (enqueue → worker → rows and export file)', () => {
  let onCheckpoint: (step: ArchiveStep, context: JobContext) => Promise<void> = async () => {};
  const suite = useSuite(async (release) => {
    const { db, boss, exportDir } = release(await openJobTestBed('exports'));
    release(await startWorker({
      config: db.config({ EXPORT_DIR: exportDir }),
      serviceUrl: db.serviceUrl,
      log: createLogger('silent'),
      concurrency: 2,
      tuning: { archiveCheckpoint: (step, context) => onCheckpoint(step, context), pageSize: 5 },
    }));
    const threads = await db.owner.selectFrom('chat_thread').select(['id', 'user_id', 'title']).orderBy('created_at').orderBy('id').execute();
    const users = [...new Set(threads.map((t) => t.user_id))];
    return { db, boss, exportDir, threads, users };
  });
  beforeEach(() => {
    onCheckpoint = async () => {};
  });

  const archivesNamed = (name: string) => suite.db.owner.selectFrom('archive').selectAll().where('name', '=', name).execute();
  const itemsOf = (archiveId: string) => suite.db.owner.selectFrom('archive_item').selectAll().where('archive_id', '=', archiveId).execute();
  const searchDocumentsOf = async (archiveId: string) =>
    (await sql<{ archive_item_id: string }>`SELECT archive_item_id FROM mcp_archiver.search_document WHERE archive_id = ${archiveId}`.execute(suite.db.owner)).rows;

  async function archive(payload: Record<string, unknown>) {
    const { jobId } = await enqueue(suite.boss, archiveConversationJob, payload);
    return waitForSettled(suite.boss, queue, jobId);
  }

  for (const exportFormat of ['json', 'markdown', 'pdf'] as const) {
    it(`archives a demo thread as ${exportFormat}: archive row, item, search document and export file`, async () => {
      // A French thread for the PDF, whose title carries accents.
      const thread = exportFormat === 'pdf' ? suite.threads.find((t) => /[àéè]/.test(t.title))! : suite.threads[exportFormat === 'json' ? 0 : 1]!;
      const name = `Archive ${exportFormat}`;
      const job = await archive({ threadId: thread.id, name, description: 'from the test', exportFormat, requestedBy: thread.user_id });
      expect(job.state).toBe('completed');
      const output = archiveConversationOutput.parse(job.output);

      const [row, ...others] = await archivesNamed(name);
      expect(others).toEqual([]);
      expect(row).toMatchObject({ id: output.archiveId, user_id: thread.user_id, description: 'from the test', export_format: exportFormat });
      expect(row!.storage_location).toBe(output.storageLocation);
      expect(Number(row!.file_size)).toBe(output.fileSize);
      const server = await suite.db.owner
        .selectFrom('mcp_server')
        .select('id')
        .where('user_id', '=', thread.user_id)
        .where('name', '=', 'database-assistant')
        .executeTakeFirst();
      expect(row!.mcp_server_id).toBe(server?.id ?? null);
      const mcpMetadata = archiveMcpMetadataSchema.parse(row!.mcp_metadata);
      expect(mcpMetadata).toMatchObject({ jobId: job.id, encoding: 'o200k_base', itemCount: 1, exportFormat });

      const [item, ...moreItems] = await itemsOf(output.archiveId);
      expect(moreItems).toEqual([]);
      expect(item).toMatchObject({ id: output.archiveItemId, item_id: thread.id, user_id: thread.user_id, item_type: 'thread', tokens_count: output.tokensCount });
      expect(item!.content_summary).toBeTruthy();
      const itemMetadata = archiveItemMetadataSchema.parse(item!.metadata);
      expect(itemMetadata.export).toMatchObject({ format: exportFormat, storageLocation: output.storageLocation, fileSize: output.fileSize });
      expect(await searchDocumentsOf(output.archiveId)).toEqual([{ archive_item_id: output.archiveItemId }]);

      const file = fileURLToPath(output.storageLocation);
      const bytes = await readFile(file);
      expect(bytes.length).toBe(output.fileSize);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(mcpMetadata.checksum.value);
      expect(path.dirname(file)).toBe(path.join(suite.exportDir, output.archiveId));
      expect(path.basename(file)).toBe(`${thread.id}.${job.id}.${{ json: 'json', markdown: 'md', pdf: 'pdf' }[exportFormat]}`);
      expect((await stat(file)).isFile()).toBe(true);

      const messages = await suite.db.owner
        .selectFrom('chat_message')
        .select(['id', 'role', 'parts', 'metadata'])
        .where('thread_id', '=', thread.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      if (exportFormat === 'json') {
        const document = JSON.parse(bytes.toString('utf8')) as { messages: { id: string; parts: unknown; metadata: unknown; tokens: number }[]; tokensTotal: number };
        expect(document.messages.map((m) => ({ id: m.id, parts: m.parts, metadata: m.metadata }))).toEqual(
          messages.map((m) => ({ id: m.id, parts: m.parts, metadata: m.metadata })),
        );
        expect(document.tokensTotal).toBe(output.tokensCount);
        expect(document.messages.reduce((sum, m) => sum + m.tokens, 0)).toBe(output.tokensCount);
      } else if (exportFormat === 'markdown') {
        const markdown = bytes.toString('utf8');
        expect(markdown).toContain(`# ${thread.title || 'Untitled conversation'}`);
        expect(markdown.match(/^## (User|Assistant) · /gm)).toHaveLength(messages.length);
      } else {
        const pdf = readPdf(bytes);
        expect(pdf.pageCount).toBeGreaterThan(0);
        expect(pdf.pages.join('\n')).toContain(thread.title);
      }
    });
  }

  it('analyses what the thread holds: messages, roles, part types and tool calls match the rows', async () => {
    // The thread with the most tool parts, so the counts are not trivially zero.
    const { rows } = await sql<{ thread_id: string; user_id: string }>`
      SELECT m.thread_id, t.user_id FROM chat_message m JOIN chat_thread t ON t.id = m.thread_id, unnest(m.parts) p
      WHERE p ->> 'type' LIKE 'tool-%' GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1`.execute(suite.db.owner);
    const thread = rows[0]!;
    const job = await archive({ threadId: thread.thread_id, name: 'Analysed', exportFormat: 'json', requestedBy: thread.user_id });
    const output = archiveConversationOutput.parse(job.output);
    const [item] = await itemsOf(output.archiveId);
    const analysis = conversationAnalysisSchema.parse(item!.mcp_analysis);

    const messages = await suite.db.owner.selectFrom('chat_message').selectAll().where('thread_id', '=', thread.thread_id).execute();
    expect(analysis.messageCount).toBe(messages.length);
    expect(analysis.roles).toEqual(countBy(messages.map((m) => m.role)));
    const partTypes = (
      await sql<{ type: string; n: number }>`
        SELECT CASE WHEN p ->> 'type' LIKE 'tool-%' AND p ->> 'type' <> 'tool-invocation' THEN 'tool-*' ELSE p ->> 'type' END AS type, count(*)::int AS n
        FROM chat_message m, unnest(m.parts) p WHERE m.thread_id = ${thread.thread_id} GROUP BY 1`.execute(suite.db.owner)
    ).rows;
    expect(analysis.parts.byType).toEqual(Object.fromEntries(partTypes.map((r) => [r.type, r.n])));
    expect(analysis.parts.skipped).toBe(0);
    const toolParts = partTypes.filter((r) => r.type === 'tool-*' || r.type === 'tool-invocation').reduce((s, r) => s + r.n, 0);
    expect(analysis.toolCalls.total).toBe(toolParts);
    expect(toolParts).toBeGreaterThan(0);

    // Token counts equal js-tiktoken's own o200k count of each message's text.
    const encoder = getEncoding('o200k_base');
    const expected = messages.reduce((sum, m) => sum + encoder.encode(extractMessageContent(m.parts).text, [], []).length, 0);
    expect(item!.tokens_count).toBe(expected);
    expect(analysis.tokens.total).toBe(expected);
  });

  it('counts tokens exactly on known strings, skips unknown parts and reads NULL parts as an empty message', async () => {
    const user = suite.users[0]!;
    const threadId = randomUUID();
    await suite.db.owner.insertInto('chat_thread').values({ id: threadId, title: 'Known strings', user_id: user }).execute();
    const rows = [
      { role: 'user', parts: [{ type: 'text', text: 'Bonjour, ça va ? Voilà le café.' }] },
      { role: 'assistant', parts: [{ type: 'reasoning', text: 'Think <|endoftext|> twice.' }, { type: 'text', text: 'Hello world 👨‍👩‍👧' }, { type: 'data-weather', data: { t: 1 } }] },
      { role: 'user', parts: null },
    ];
    for (const [index, row] of rows.entries()) {
      await sql`INSERT INTO chat_message (id, thread_id, role, parts, created_at)
                VALUES (${randomUUID()}, ${threadId}, ${row.role},
                        ${row.parts ? sql`ARRAY(SELECT json_array_elements(${JSON.stringify(row.parts)}::json))` : sql`NULL`},
                        ${new Date(Date.UTC(2026, 0, 1, 12, 0, index))})`.execute(suite.db.owner);
    }
    const job = await archive({ threadId, name: 'Known', exportFormat: 'json', requestedBy: user });
    const output = archiveConversationOutput.parse(job.output);
    const encoder = getEncoding('o200k_base');
    const expected = [
      'Bonjour, ça va ? Voilà le café.',
      'Think <|endoftext|> twice.\n\nHello world 👨‍👩‍👧',
    ].reduce((sum, text) => sum + encoder.encode(text, [], []).length, 0);
    expect(output.tokensCount).toBe(expected);
    const [item] = await itemsOf(output.archiveId);
    const analysis = conversationAnalysisSchema.parse(item!.mcp_analysis);
    expect(analysis).toMatchObject({ messageCount: 3, emptyMessages: 1, parts: { skipped: 1, skippedByType: { 'data-weather': 1 } } });
  });

  it('writes the same summary for the same thread every time', async () => {
    const thread = suite.threads[5]!;
    const summaries: (string | null)[] = [];
    for (const name of ['Summary A', 'Summary B']) {
      const job = await archive({ threadId: thread.id, name, exportFormat: 'markdown', requestedBy: thread.user_id });
      const [item] = await itemsOf(archiveConversationOutput.parse(job.output).archiveId);
      summaries.push(item!.content_summary);
    }
    expect(summaries[0]).toBeTruthy();
    expect(summaries[1]).toBe(summaries[0]);
  });

  it('adds a thread to an existing archive of the same user', async () => {
    const [first, second] = suite.threads.filter((t) => t.user_id === suite.users[1]);
    const created = archiveConversationOutput.parse((await archive({ threadId: first!.id, name: 'Folder', exportFormat: 'json', requestedBy: suite.users[1] })).output);
    const job = await archive({ threadId: second!.id, name: 'ignored', archiveId: created.archiveId, exportFormat: 'markdown', requestedBy: suite.users[1] });
    const added = archiveConversationOutput.parse(job.output);
    expect(added.archiveId).toBe(created.archiveId);
    expect((await itemsOf(created.archiveId)).map((i) => i.item_id).sort()).toEqual([first!.id, second!.id].sort());
    const [row] = await suite.db.owner.selectFrom('archive').selectAll().where('id', '=', created.archiveId).execute();
    expect(row).toMatchObject({ name: 'Folder', export_format: 'markdown' });
    expect(archiveMcpMetadataSchema.parse(row!.mcp_metadata)).toMatchObject({ itemCount: 2, jobId: job.id, lastItem: { threadId: second!.id } });
    // Archived again into the same archive: the item is replaced, so the totals count it once.
    const again = await archive({ threadId: second!.id, name: 'ignored', archiveId: created.archiveId, exportFormat: 'json', requestedBy: suite.users[1] });
    expect(again.state).toBe('completed');
    const items = await itemsOf(created.archiveId);
    expect(items).toHaveLength(2);
    const [after] = await suite.db.owner.selectFrom('archive').select('mcp_metadata').where('id', '=', created.archiveId).execute();
    expect(archiveMcpMetadataSchema.parse(after!.mcp_metadata).totals).toEqual({ items: 2, tokens: items.reduce((sum, i) => sum + Number(i.tokens_count), 0) });
  });

  for (const step of ['context-read', 'export-written', 'archive-row-written', 'committed'] as const) {
    it(`leaves one archive and one item when the job is retried after a crash at "${step}"`, async () => {
      const thread = suite.threads[10]!;
      const name = `Crash at ${step}`;
      onCheckpoint = async (at, context) => {
        if (at === step && context.attempt === 1) throw new Error(`simulated crash at ${step}`);
      };
      const payload = archiveConversationJob.payload.parse({ threadId: thread.id, name, exportFormat: 'json', requestedBy: thread.user_id });
      // Retried at once instead of after the queue's backoff, so the test does not wait for it.
      const jobId = (await suite.boss.send(queue, payload, { singletonKey: archiveConversationJob.singletonKey(payload), retryDelay: 0, retryBackoff: false }))!;
      const job = await waitForSettled(suite.boss, queue, jobId);
      expect(job).toMatchObject({ state: 'completed', retryCount: 1 });
      const output = archiveConversationOutput.parse(job.output);
      const archives = await archivesNamed(name);
      expect(archives.map((a) => a.id)).toEqual([output.archiveId]);
      expect((await itemsOf(output.archiveId)).map((i) => i.id)).toEqual([output.archiveItemId]);
      expect(await searchDocumentsOf(output.archiveId)).toHaveLength(1);
      expect(archiveMcpMetadataSchema.parse(archives[0]!.mcp_metadata).itemCount).toBe(1);
    });
  }

  it('collapses the same request sent again while the first is running into one job', async () => {
    const thread = suite.threads[12]!;
    const running = gate();
    const release = gate();
    onCheckpoint = async (step) => {
      if (step === 'context-read') {
        running.open();
        await release.promise;
      }
    };
    const payload = { threadId: thread.id, name: 'Once', exportFormat: 'pdf', requestedBy: thread.user_id };
    const first = await enqueue(suite.boss, archiveConversationJob, payload);
    await running.promise;
    const second = await enqueue(suite.boss, archiveConversationJob, { ...payload });
    expect(second).toEqual({ jobId: first.jobId, deduplicated: true });
    release.open();
    expect((await waitForSettled(suite.boss, queue, first.jobId)).state).toBe('completed');
    expect(await archivesNamed('Once')).toHaveLength(1);
  });

  describe('fails at once into the dead-letter queue, writing nothing', () => {
    const cases: [string, () => Record<string, unknown>, string][] = [
      ['a missing thread', () => ({ threadId: randomUUID(), requestedBy: suite.users[0] }), 'thread_not_found'],
      ['a thread of another user', () => ({ threadId: suite.threads.find((t) => t.user_id === suite.users[2])!.id, requestedBy: suite.users[3] }), 'thread_not_found'],
      ['an unknown archive', () => ({ threadId: suite.threads.find((t) => t.user_id === suite.users[0])!.id, requestedBy: suite.users[0], archiveId: randomUUID() }), 'archive_not_found'],
    ];
    for (const [what, payload, code] of cases) {
      it(what, async () => {
        const name = `Refused: ${what}`;
        const job = await archive({ name, exportFormat: 'json', ...payload() });
        expect(job).toMatchObject({ state: 'failed', retryCount: 0, output: { error: { code, retryable: false } } });
        const dead = await eventually('the dead letter', async () => ((await deadLettersOf(suite.boss, archiveConversationJob.deadLetterQueue, job.id)).length ? true : undefined));
        expect(dead).toBe(true);
        expect(await deadLettersOf(suite.boss, archiveConversationJob.deadLetterQueue, job.id)).toHaveLength(1);
        expect(await archivesNamed(name)).toEqual([]);
      });
    }

    it("another user's archive", async () => {
      const owned = archiveConversationOutput.parse(
        (await archive({ threadId: suite.threads.find((t) => t.user_id === suite.users[4])!.id, name: 'Private', exportFormat: 'json', requestedBy: suite.users[4] })).output,
      );
      const thread = suite.threads.find((t) => t.user_id === suite.users[0])!;
      const job = await archive({ threadId: thread.id, name: 'Intruder', archiveId: owned.archiveId, exportFormat: 'json', requestedBy: suite.users[0] });
      expect(job).toMatchObject({ state: 'failed', retryCount: 0, output: { error: { code: 'archive_not_found' } } });
      expect((await itemsOf(owned.archiveId)).map((i) => i.user_id)).toEqual([suite.users[4]]);
    });

    it('a payload that does not parse', async () => {
      const jobId = (await suite.boss.send(queue, { threadId: 'not-a-uuid', exportFormat: 'docx' }))!;
      const job = await waitForSettled(suite.boss, queue, jobId);
      expect(job).toMatchObject({ state: 'failed', retryCount: 0, output: { error: { code: 'invalid_payload', retryable: false } } });
      expect((job.output as { error: { message: string } }).error.message).toMatch(/threadId.*exportFormat|exportFormat.*threadId/s);
      await eventually('the dead letter', async () => ((await deadLettersOf(suite.boss, archiveConversationJob.deadLetterQueue, jobId)).length === 1 ? true : undefined));
    });
  });
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
