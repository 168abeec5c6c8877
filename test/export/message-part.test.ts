import { describe, expect, it } from 'vitest';
import { readMessageFacts } from '../../src/export/message-metadata.ts';
import { readPart } from '../../src/export/message-part.ts';

describe('readPart', () => {
  it('reads AI SDK v5 parts', () => {
    expect(readPart({ type: 'text', text: 'hi', state: 'done' })).toEqual({ kind: 'text', text: 'hi', preview: false });
    expect(readPart({ type: 'text', text: 'Attached files:', ingestionPreview: true })).toMatchObject({ preview: true });
    expect(readPart({ type: 'reasoning', text: 'hmm' })).toEqual({ kind: 'reasoning', text: 'hmm' });
    expect(readPart({ type: 'step-start' })).toEqual({ kind: 'step-start' });
    expect(readPart({ type: 'file', url: 'https://f/x.png', mediaType: 'image/png' })).toEqual({
      kind: 'file', url: 'https://f/x.png', mediaType: 'image/png', filename: null,
    });
    expect(readPart({ type: 'source-url', url: 'https://s', title: 'S' })).toEqual({ kind: 'source', url: 'https://s', title: 'S' });
  });

  it('reads tool parts in every state, with the tool name taken from the type', () => {
    const tool = (state: string, extra: object = {}) => readPart({ type: 'tool-mcp_srv_search', toolCallId: 'c', state, input: { q: 1 }, ...extra });
    expect(tool('output-available', { output: { ok: true } })).toEqual({
      kind: 'tool', toolName: 'mcp_srv_search', outcome: 'done', input: { q: 1 }, hasOutput: true, output: { ok: true }, errorText: null,
    });
    expect(tool('output-error', { errorText: 'boom' })).toMatchObject({ outcome: 'error', errorText: 'boom', hasOutput: false });
    expect(tool('input-available')).toMatchObject({ outcome: 'no result' });
    expect(tool('input-streaming')).toMatchObject({ outcome: 'incomplete' });
    expect(readPart({ type: 'dynamic-tool', toolName: 'dyn', state: 'output-available', input: {}, output: 1 })).toMatchObject({
      kind: 'tool', toolName: 'dyn', outcome: 'done', output: 1,
    });
  });

  it('reads legacy v4 parts', () => {
    expect(
      readPart({ type: 'tool-invocation', toolInvocation: { state: 'result', toolCallId: 'c', toolName: 'calc', args: { a: 1 }, result: 2 } }),
    ).toEqual({ kind: 'tool', toolName: 'calc', outcome: 'done', input: { a: 1 }, hasOutput: true, output: 2, errorText: null });
    expect(readPart({ type: 'tool-invocation', toolInvocation: { state: 'call', toolCallId: 'c', toolName: 'calc', args: {} } })).toMatchObject({
      outcome: 'no result',
    });
    expect(readPart({ type: 'file', mimeType: 'image/png', data: 'iVBOR' })).toEqual({
      kind: 'file', url: null, mediaType: 'image/png', filename: null,
    });
    expect(readPart({ type: 'source', source: { url: 'https://s', title: 'S' } })).toEqual({ kind: 'source', url: 'https://s', title: 'S' });
  });

  it('turns anything else into an unknown part that keeps the raw value', () => {
    expect(readPart({ type: 'data-chart', data: 1 })).toEqual({ kind: 'unknown', type: 'data-chart', raw: { type: 'data-chart', data: 1 } });
    expect(readPart({ type: 'text', text: 42 })).toMatchObject({ kind: 'unknown', type: 'text' });
    expect(readPart('just a string')).toEqual({ kind: 'unknown', type: '(untyped)', raw: 'just a string' });
    expect(readPart(null)).toMatchObject({ kind: 'unknown', type: '(untyped)' });
  });
});

describe('readMessageFacts', () => {
  it('reads model and usage, tolerating missing or malformed pieces', () => {
    expect(readMessageFacts({ chatModel: { provider: 'openai', model: 'gpt-4.1' }, usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } })).toEqual({
      model: 'gpt-4.1', provider: 'openai', inputTokens: 1, outputTokens: 2, totalTokens: 3,
    });
    expect(readMessageFacts({ chatModel: { model: 'gpt-4o' }, usage: { totalTokens: 410 } })).toMatchObject({ model: 'gpt-4o', provider: null, totalTokens: 410 });
    expect(readMessageFacts(null)).toEqual({ model: null, provider: null, inputTokens: null, outputTokens: null, totalTokens: null });
    expect(readMessageFacts({ chatModel: 'weird', usage: { totalTokens: 'many' } })).toMatchObject({ model: null, totalTokens: null });
  });
});
