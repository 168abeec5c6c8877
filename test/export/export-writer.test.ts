import { pathToFileURL } from 'node:url';
import { createFsStore } from '../../src/export/fs-store.ts';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportMessage } from '../../src/export/export-types.ts';
import { createExportWriter } from '../../src/export/export-writer.ts';
import { footer, header, messages } from './message-fixtures.ts';
import { readPdf } from './pdf-text.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'export-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A realistic message whose words differ from one message to the next (ids, numbers), as in real threads. */
function longThreadMessage(i: number, wordCount: number): ExportMessage {
  const words = Array.from({ length: wordCount }, (_, w) => `mot${(i * 41 + w) % 100_003}`).join(' ');
  return {
    id: `msg-${i}`,
    role: i % 2 === 0 ? 'user' : 'assistant',
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000),
    tokens: 60,
    metadata: i % 2 === 0 ? null : { chatModel: { provider: 'openai', model: 'gpt-4.1' }, usage: { totalTokens: 900 + i } },
    parts:
      i % 2 === 0
        ? [{ type: 'text', text: `Question ${i} — réponse attendue: ${words}` }]
        : [
            { type: 'step-start' },
            { type: 'tool-webSearch', toolCallId: `call_${i}`, state: 'output-available', input: { query: `q${i}` }, output: { hits: i } },
            { type: 'text', text: `Réponse ${i}: ${words}` },
          ],
  };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('export writer', () => {
  it.each(['json', 'markdown', 'pdf'] as const)('writes a %s export and reports where, how big and its sha256', async (format) => {
    const writer = await createExportWriter(format, header, { store: createFsStore(dir) });
    for (const message of messages) await writer.addMessage(message);
    const result = await writer.finish(footer);

    const bytes = await readFile(new URL(result.storageLocation));
    const ext = { json: 'json', markdown: 'md', pdf: 'pdf' }[format];
    expect(result.storageLocation).toBe(pathToFileURL(path.join(dir, header.archiveId, `${header.threadId}.${ext}`)).href);
    expect(result.fileSize).toBe(bytes.length);
    expect(result.sha256).toBe(sha256(bytes));
    expect(await readdir(path.join(dir, header.archiveId))).toEqual([`${header.threadId}.${ext}`]);

    if (format === 'json') expect(JSON.parse(bytes.toString('utf8')).messages[3].parts).toEqual(messages[3]!.parts);
    if (format === 'markdown') expect(bytes.toString('utf8')).toContain('## Assistant · 2025-06-12 14:05:00 UTC');
    if (format === 'pdf') expect(readPdf(bytes).pages.join('\n')).toContain('Tool webSearch — error');
  });

  it('abort removes everything it wrote', async () => {
    const writer = await createExportWriter('pdf', header, { store: createFsStore(dir) });
    for (const message of messages) await writer.addMessage(message);
    await writer.abort();
    expect(await readdir(path.join(dir, header.archiveId))).toEqual([]);
  });

  it('a failing finish leaves no file behind', async () => {
    const writer = await createExportWriter('json', header, { store: createFsStore(dir) });
    await writer.addMessage(messages[0]!);
    await expect(writer.finish({ ...footer, analysis: { big: 1n } })).rejects.toThrow(/BigInt/);
    expect(await readdir(path.join(dir, header.archiveId))).toEqual([]);
  });

  // About 10 MB is rendered after the baseline while the heap grows well under 1 MB; the limits are loose on purpose.
  // PDF layout is the slow part (font shaping), so its messages are shorter; their words still differ throughout.
  it.each([
    ['json', 40, 8],
    ['markdown', 40, 8],
    ['pdf', 12, 16],
  ] as const)('streams a 20,000-message %s export to disk with bounded memory', async (format, wordCount, maxGrowthMb) => {
    const writer = await createExportWriter(format, header, { store: createFsStore(dir) });
    const tempFileSize = async (): Promise<number> => {
      const [temp] = await readdir(path.join(dir, header.archiveId));
      return (await stat(path.join(dir, header.archiveId, temp!))).size;
    };

    let baseline = 0;
    let onDiskAtBaseline = 0;
    for (let i = 0; i < 20_000; i++) {
      await writer.addMessage(longThreadMessage(i, wordCount));
      if (i === 1_999) {
        baseline = heapAfterGc();
        onDiskAtBaseline = await tempFileSize();
      }
    }
    const growth = heapAfterGc() - baseline;
    const onDiskBeforeFinish = await tempFileSize();
    const result = await writer.finish({ ...footer, messageCount: 20_000 });

    // Rendering 18,000 more messages produced far more bytes than the heap grew: they went to disk, not memory.
    const rendered = onDiskBeforeFinish - onDiskAtBaseline;
    expect(rendered).toBeGreaterThan(0.8 * (result.fileSize - onDiskAtBaseline) - 1_000_000);
    expect(growth).toBeLessThan(maxGrowthMb * 1024 * 1024);
    expect(growth).toBeLessThan(rendered);
  });
});
