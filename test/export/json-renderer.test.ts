import { describe, expect, it } from 'vitest';
import type { ExportMessage } from '../../src/export/export-types.ts';
import { renderJsonFooter, renderJsonHeader, renderJsonMessage } from '../../src/export/json-renderer.ts';
import { footer, header, messages } from './message-fixtures.ts';

function renderAll(list: ExportMessage[]): string {
  return renderJsonHeader(header) + list.map((m, i) => renderJsonMessage(m, i)).join('') + renderJsonFooter(footer);
}

describe('JSON export', () => {
  it('is one valid JSON document with archive, thread, messages, summary and analysis', () => {
    const doc = JSON.parse(renderAll(messages));
    expect(doc.format).toBe('chat-archiver/v1');
    expect(doc.archive).toEqual({ id: header.archiveId, name: header.archiveName, description: header.archiveDescription });
    expect(doc.thread).toEqual({ id: header.threadId, title: header.threadTitle, userId: header.userId });
    expect(doc.exportedAt).toBe('2025-06-12T16:00:00.000Z');
    expect(doc.encoding).toBe('utf-8');
    expect(doc.messageCount).toBe(4);
    expect(doc.tokensTotal).toBe(321);
    expect(doc.summary).toBe(footer.summary);
    expect(doc.analysis).toEqual(footer.analysis);
    expect(Object.keys(doc)).toEqual([
      'format', 'archive', 'thread', 'exportedAt', 'encoding', 'messages', 'messageCount', 'tokensTotal', 'summary', 'analysis',
    ]);
  });

  it('round-trips every part and every metadata value exactly as stored', () => {
    const doc = JSON.parse(renderAll(messages));
    expect(doc.messages).toHaveLength(messages.length);
    messages.forEach((message, i) => {
      expect(doc.messages[i]).toStrictEqual({
        id: message.id,
        role: message.role,
        createdAt: message.createdAt.toISOString(),
        tokens: message.tokens,
        parts: message.parts,
        metadata: message.metadata,
      });
    });
    expect(doc.messages[1].parts[1].output.content[0].text).toEqual({ total_count: 2, items: [{ number: 14 }, { number: 9 }] });
    expect(doc.messages[3].parts[1].output['__$ref__']).toBe('workflow-streaming-result');
  });

  it('keeps hostile strings intact (quotes, separators, control characters, astral characters)', () => {
    const text = 'quote " backslash \\ newline \n tab \t nul \u0000 line-sep \u2028 emoji 👨‍👩‍👧 CJK 你好 ],"x":[';
    const message: ExportMessage = { ...messages[0]!, parts: [{ type: 'text', text }] };
    const doc = JSON.parse(renderAll([message]));
    expect(doc.messages[0].parts[0].text).toBe(text);
  });

  it('is valid with no messages, one message, and messages without parts', () => {
    expect(JSON.parse(renderAll([])).messages).toEqual([]);
    expect(JSON.parse(renderAll([messages[0]!])).messages).toHaveLength(1);
    const bare: ExportMessage = { id: 'x', role: 'user', createdAt: new Date(0), parts: null, metadata: undefined, tokens: 0 };
    const doc = JSON.parse(renderAll([bare, bare]));
    expect(doc.messages).toEqual([
      { id: 'x', role: 'user', createdAt: '1970-01-01T00:00:00.000Z', tokens: 0, parts: null, metadata: null },
      { id: 'x', role: 'user', createdAt: '1970-01-01T00:00:00.000Z', tokens: 0, parts: null, metadata: null },
    ]);
  });

  it('writes one message per line', () => {
    const lines = renderAll(messages).split('\n');
    expect(lines).toHaveLength(messages.length + 3);
    expect(JSON.parse(lines[1]!).id).toBe(messages[0]!.id);
    expect(JSON.parse(lines[2]!.slice(1)).id).toBe(messages[1]!.id);
  });
});
