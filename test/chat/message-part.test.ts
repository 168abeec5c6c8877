import { describe, expect, it } from 'vitest';
import { readMessagePart, readMessageParts } from '../../src/chat/message-part.ts';
import { renderMarkdownMessage } from '../../src/export/markdown-renderer.ts';
import type { ExportMessage } from '../../src/export/export-types.ts';
import { toolPartCases } from './tool-part-cases.ts';

describe('readMessagePart', () => {
  it('reads AI SDK v5 parts', () => {
    expect(readMessagePart({ type: 'text', text: 'hi', state: 'done' })).toEqual({ kind: 'text', text: 'hi', preview: false });
    expect(readMessagePart({ type: 'text', text: 'Attached files:', ingestionPreview: true })).toMatchObject({ preview: true });
    expect(readMessagePart({ type: 'reasoning', text: 'hmm' })).toEqual({ kind: 'reasoning', text: 'hmm' });
    expect(readMessagePart({ type: 'step-start' })).toEqual({ kind: 'step-start' });
    expect(readMessagePart({ type: 'file', url: 'https://f/x.png', mediaType: 'image/png' })).toEqual({
      kind: 'file', url: 'https://f/x.png', mediaType: 'image/png', filename: null,
    });
    expect(readMessagePart({ type: 'source-url', url: 'https://s', title: 'S' })).toEqual({ kind: 'source', type: 'source-url', url: 'https://s', title: 'S' });
    expect(readMessagePart({ type: 'source-document', sourceId: 'd1', mediaType: 'application/pdf', title: 'Q3 report' })).toEqual({
      kind: 'source', type: 'source-document', url: null, title: 'Q3 report',
    });
  });

  it('reads a tool part with its input, output and error text', () => {
    expect(readMessagePart({ type: 'tool-mcp_srv_search', toolCallId: 'c', state: 'output-available', input: { q: 1 }, output: { ok: true } })).toEqual({
      kind: 'tool', variant: 'static', toolName: 'mcp_srv_search', status: 'done', input: { q: 1 }, hasOutput: true, output: { ok: true }, errorText: null,
    });
    expect(readMessagePart({ type: 'tool-x', state: 'output-error', errorText: 'boom' })).toMatchObject({ status: 'error', errorText: 'boom', hasOutput: false });
    expect(readMessagePart({ type: 'tool-invocation', toolInvocation: { state: 'result', toolName: 'calc', args: { a: 1 }, result: 2 } })).toEqual({
      kind: 'tool', variant: 'legacy', toolName: 'calc', status: 'done', input: { a: 1 }, hasOutput: true, output: 2, errorText: null,
    });
  });

  it('classifies every tool case of the shared table', () => {
    for (const { label, part, expected } of toolPartCases) {
      const read = readMessagePart(part);
      expect(read.kind === 'tool' ? { name: read.toolName, status: read.status } : read.kind, label).toEqual(expected ?? 'unknown');
    }
  });

  it('reads legacy v4 files and sources', () => {
    expect(readMessagePart({ type: 'file', mimeType: 'image/png', data: 'iVBOR' })).toEqual({ kind: 'file', url: null, mediaType: 'image/png', filename: null });
    expect(readMessagePart({ type: 'source', source: { url: 'https://s', title: 'S' } })).toEqual({ kind: 'source', type: 'source', url: 'https://s', title: 'S' });
  });

  it('turns anything else into an unknown part that keeps the raw value', () => {
    expect(readMessagePart({ type: 'data-chart', data: 1 })).toEqual({ kind: 'unknown', type: 'data-chart', raw: { type: 'data-chart', data: 1 } });
    expect(readMessagePart({ type: 'text', text: 42 })).toMatchObject({ kind: 'unknown', type: 'text' });
    expect(readMessagePart('just a string')).toEqual({ kind: 'unknown', type: '(not an object)', raw: 'just a string' });
    expect(readMessagePart(null)).toMatchObject({ kind: 'unknown', type: '(null)' });
    expect(readMessagePart({ type: '__proto__' })).toMatchObject({ kind: 'unknown', type: '(__proto__)' });
    expect(readMessageParts({ type: 'text', text: 'not in an array' })).toEqual([
      { kind: 'unknown', type: '(not an array)', raw: { type: 'text', text: 'not in an array' } },
    ]);
    expect(readMessageParts(null)).toEqual([]);
  });
});

describe('exports read parts as the analysis does', () => {
  const message = (parts: unknown[]): ExportMessage => ({ id: 'm1', role: 'assistant', createdAt: new Date('2026-01-01T00:00:00Z'), parts, metadata: null, tokens: 1 });

  it('shows an MCP result flagged isError as an error, not as done', () => {
    const markdown = renderMarkdownMessage(
      message([{ type: 'tool-fs_read', state: 'output-available', input: {}, output: { content: [{ type: 'text', text: 'no such file' }], isError: true } }]),
    );
    expect(markdown).toContain('Tool fs_read — error');
    expect(markdown).not.toContain('— done');
  });

  it('shows a source-document part as a cited document', () => {
    const markdown = renderMarkdownMessage(message([{ type: 'source-document', sourceId: 'd1', mediaType: 'application/pdf', title: 'Q3 report' }]));
    expect(markdown).toContain('**Document:** Q3 report');
    expect(markdown).not.toContain('Unsupported part');
  });
});
