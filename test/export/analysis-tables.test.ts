import type { Nodes, Root, Table } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { ConversationAnalysisAccumulator, type ConversationAnalysis } from '../../src/analysis/conversation-analysis.ts';
import { extractMessageContent } from '../../src/chat/message-content.ts';
import { parseMessageMetadata } from '../../src/chat/message-metadata.ts';
import { analysisTables } from '../../src/export/analysis-tables.ts';
import type { ChunkSink } from '../../src/export/export-types.ts';
import { renderJsonFooter, renderJsonHeader } from '../../src/export/json-renderer.ts';
import { renderMarkdownFooter } from '../../src/export/markdown-renderer.ts';
import { createPdfExport } from '../../src/export/pdf-renderer.ts';
import { footer, header } from './message-fixtures.ts';
import { readPdf } from './pdf-text.ts';

const usage = { inputTokens: 1200, outputTokens: 340, totalTokens: 1540 };

function analysed(): ConversationAnalysis {
  const accumulator = new ConversationAnalysisAccumulator({ tokenEncoding: 'o200k_base' });
  const rows = [
    { role: 'user', at: '2025-06-01T09:00:00Z', tokens: 30, metadata: null, parts: [{ type: 'text', text: 'find the report' }] },
    {
      role: 'assistant',
      at: '2025-06-01T09:00:05Z',
      tokens: 60,
      metadata: { chatModel: { provider: 'openai', model: 'gpt-4.1' }, usage },
      parts: [
        { type: 'tool-webSearch', toolCallId: 'a', state: 'output-available', input: {}, output: { hits: 2 } },
        { type: 'tool-webSearch', toolCallId: 'b', state: 'output-error', input: {}, errorText: 'timeout' },
        { type: 'text', text: 'here it is' },
      ],
    },
    { role: 'user', at: '2025-06-01T10:30:09Z', tokens: 12, metadata: null, parts: [{ type: 'text', text: 'thanks' }] },
  ];
  for (const row of rows) {
    accumulator.add({ role: row.role, createdAt: row.at, content: extractMessageContent(row.parts), metadata: parseMessageMetadata(row.metadata), tokens: row.tokens });
  }
  return accumulator.result();
}

function toString(node: Nodes): string {
  if ('value' in node) return node.value;
  return 'children' in node ? node.children.map((child) => toString(child)).join('') : '';
}

function tableAfter(tree: Root, title: string): string[][] {
  const index = tree.children.findIndex((node) => node.type === 'heading' && toString(node) === title);
  expect(index, `heading "${title}"`).toBeGreaterThan(-1);
  const table = tree.children[index + 1] as Table;
  expect(table.type).toBe('table');
  return table.children.map((row) => row.children.map((cell) => toString(cell)));
}

class MemorySink implements ChunkSink {
  readonly chunks: Buffer[] = [];
  async write(chunk: string | Uint8Array): Promise<void> {
    this.chunks.push(Buffer.from(chunk));
  }
}

describe('analysis tables in the exports', () => {
  const analysis = analysed();

  it('Markdown shows the time span, messages and tokens by role, tokens by model and tools with errors as tables', () => {
    const markdown = renderMarkdownFooter({ ...footer, analysis });
    expect(markdown).not.toContain('```json');
    const tree = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    expect(tableAfter(tree, 'Time span')).toEqual([
      ['', ''],
      ['First message', '2025-06-01 09:00:00 UTC'],
      ['Last message', '2025-06-01 10:30:09 UTC'],
      ['Duration', '1 h 30 min'],
      ['Messages', '3'],
      ['Empty messages', '0'],
    ]);
    expect(tableAfter(tree, 'Messages by role')).toEqual([['Role', 'Messages'], ['user', '2'], ['assistant', '1']]);
    expect(tableAfter(tree, 'Tokens by role (o200k_base)')).toEqual([['Role', 'Tokens'], ['assistant', '60'], ['user', '42'], ['Total', '102']]);
    expect(tableAfter(tree, 'Provider tokens by model')).toEqual([
      ['Model', 'Messages', 'Input', 'Output', 'Total'],
      ['openai / gpt-4.1', '1', '1,200', '340', '1,540'],
    ]);
    expect(tableAfter(tree, 'Tools')).toEqual([['Tool', 'Calls', 'Errors', 'Incomplete'], ['webSearch', '2', '1', '0']]);
  });

  it('PDF prints the same tables as text', async () => {
    const sink = new MemorySink();
    const pdf = createPdfExport(header, sink);
    await pdf.finish({ ...footer, analysis });
    const text = readPdf(Buffer.concat(sink.chunks)).pages.join('\n');
    for (const cell of ['Time span', 'Messages by role', 'Provider tokens by model', 'openai / gpt-4.1', '1,540', 'webSearch', 'Incomplete', '1 h 30 min']) {
      expect(text).toContain(cell);
    }
    expect(text).not.toContain('"providerUsage"');
  });

  it('JSON keeps the full analysis', () => {
    const json = JSON.parse(renderJsonHeader(header) + renderJsonFooter({ ...footer, analysis }));
    expect(json.analysis).toEqual(analysis);
  });

  it('falls back to the raw JSON for a value that is not a known analysis', () => {
    expect(analysisTables({ version: 99 })).toBeNull();
    expect(renderMarkdownFooter({ ...footer, analysis: { version: 99 } })).toContain('```json');
  });
});
