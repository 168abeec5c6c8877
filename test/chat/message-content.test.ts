import { describe, it, expect } from 'vitest';
import { extractMessageContent } from '../../src/chat/message-content.ts';
import hostExamples from '../analysis/fixtures/host-schema-examples.json' with { type: 'json' };
import legacyMessages from '../analysis/fixtures/legacy-v4-messages.json' with { type: 'json' };

const [userWithFile, assistantWithMcpTool, assistantWithFailedTool] = hostExamples;
const [, legacyAssistant] = legacyMessages;

describe('extractMessageContent on the host schema examples', () => {
  it('keeps the ingestion preview searchable but out of the prose, and records the file', () => {
    const content = extractMessageContent(userWithFile!.parts);

    expect(content.text).toBe(
      'Attached files:\n1. q3-report.pdf (application/pdf)\n\nq3-report.pdf\n\nSummarise the attached report in five bullet points.',
    );
    expect(content.prose).toBe('Summarise the attached report in five bullet points.');
    expect(content.ingestionPreviews).toBe(1);
    expect(content.files).toEqual([
      {
        filename: 'q3-report.pdf',
        mediaType: 'application/pdf',
        url: 'https://files.example.com/uploads/7f3a-q3-report.pdf',
      },
    ]);
    expect(content.partTypes).toEqual({ text: 2, file: 1 });
    expect(content.skippedParts).toBe(0);
    expect(content.toolCalls).toEqual([]);
  });

  it('reads an MCP tool call whose CallToolResult text is already an object', () => {
    const content = extractMessageContent(assistantWithMcpTool!.parts);

    expect(content.toolCalls).toEqual([{ name: 'github_search_issues', status: 'done', legacy: false }]);
    expect(content.text).toBe(
      [
        '{"q":"archive bug","repo":"acme/app"}',
        '{"total_count":2,"items":[{"number":14},{"number":9}]}',
        'I found two matching issues: #14 and #9.',
      ].join('\n\n'),
    );
    expect(content.prose).toBe('I found two matching issues: #14 and #9.');
    expect(content.partTypes).toEqual({ 'step-start': 2, 'tool-*': 1, text: 1 });
    expect(content.hasReasoning).toBe(false);
  });

  it('reads reasoning and a tool call that ended in output-error', () => {
    const content = extractMessageContent(assistantWithFailedTool!.parts);

    expect(content.toolCalls).toEqual([{ name: 'webSearch', status: 'error', legacy: false }]);
    expect(content.hasReasoning).toBe(true);
    expect(content.text).toBe(
      [
        'The user asks about the latest ECB rate decision; I should search the web.',
        '{"query":"ECB rate June 2025"}',
        'Request timed out',
        'The search failed, but from memory the ECB cut rates in June 2025.',
      ].join('\n\n'),
    );
    expect(content.prose).toBe('The search failed, but from memory the ECB cut rates in June 2025.');
    expect(content.partTypes).toEqual({ 'step-start': 1, reasoning: 1, 'tool-*': 1, text: 1 });
  });
});

describe('extractMessageContent on legacy AI SDK v4 parts', () => {
  const content = extractMessageContent(legacyAssistant!.parts);

  it('reads tool-invocation parts, finished or not', () => {
    expect(content.toolCalls).toEqual([
      { name: 'weather_current', status: 'done', legacy: true },
      { name: 'weather_forecast', status: 'no result', legacy: true },
    ]);
    expect(content.partTypes).toEqual({ 'step-start': 1, reasoning: 1, 'tool-invocation': 2, source: 1, file: 1, text: 1 });
  });

  it('reads v4 reasoning, nested sources and inline files without keeping their data', () => {
    expect(content.hasReasoning).toBe(true);
    expect(content.sources).toEqual([{ title: 'Lyon weather', url: 'https://weather.example.com/lyon' }]);
    expect(content.files).toEqual([{ filename: null, mediaType: 'image/png', url: null }]);
    expect(content.text).not.toContain('iVBORw0KGgo=');
    expect(content.text).toBe(
      [
        'I need the weather tool for Lyon.',
        '{"city":"Lyon"}',
        '{"temperature":21,"sky":"clear"}',
        '{"city":"Lyon","days":3}',
        'Lyon weather',
        'It is 21 °C and clear in Lyon.',
      ].join('\n\n'),
    );
    expect(content.prose).toBe('It is 21 °C and clear in Lyon.');
  });
});

describe('extractMessageContent on other v5 parts', () => {
  it('reads source-url parts, titled or not', () => {
    const content = extractMessageContent([
      { type: 'source-url', url: 'https://files.example.com/data.csv', mediaType: 'text/csv', title: 'data.csv' },
      { type: 'source-url', url: 'https://example.org/page' },
    ]);
    expect(content.sources).toEqual([
      { title: 'data.csv', url: 'https://files.example.com/data.csv' },
      { title: null, url: 'https://example.org/page' },
    ]);
    expect(content.text).toBe('data.csv\n\nhttps://example.org/page');
    expect(content.prose).toBe('');
  });

  it('reads dynamic-tool parts and every tool state', () => {
    const content = extractMessageContent([
      { type: 'dynamic-tool', toolName: 'lookup', toolCallId: 'd1', state: 'output-available', input: { id: 1 }, output: 'found' },
      { type: 'tool-http', toolCallId: 't1', state: 'input-streaming', input: { url: 'https://exa' } },
      { type: 'tool-http', toolCallId: 't2', state: 'input-available', input: { url: 'https://example.com' } },
      {
        type: 'tool-fs_read',
        toolCallId: 't3',
        state: 'output-available',
        input: { path: '/x' },
        output: { content: [{ type: 'text', text: 'no such file' }], isError: true },
      },
      { type: 'tool-createTable', toolCallId: 't4', state: 'output-available', input: {}, output: { rows: [[1, 'a']] } },
    ]);
    expect(content.toolCalls).toEqual([
      { name: 'lookup', status: 'done', legacy: false },
      { name: 'http', status: 'incomplete', legacy: false },
      { name: 'http', status: 'no result', legacy: false },
      { name: 'fs_read', status: 'error', legacy: false },
      { name: 'createTable', status: 'done', legacy: false },
    ]);
    expect(content.partTypes).toEqual({ 'dynamic-tool': 1, 'tool-*': 4 });
    expect(content.text).toContain('no such file');
    expect(content.text).toContain('{"rows":[[1,"a"]]}');
  });

  it('keeps MCP resource text but never base64 image data', () => {
    const content = extractMessageContent([
      {
        type: 'tool-docs_fetch',
        toolCallId: 't1',
        state: 'output-available',
        input: { uri: 'docs://intro' },
        output: {
          content: [
            { type: 'image', data: 'AAAAbase64AAAA', mimeType: 'image/png' },
            { type: 'resource', resource: { uri: 'docs://intro', text: 'Introduction text' } },
            { type: 'resource_link', uri: 'docs://next', name: 'Next chapter' },
          ],
        },
      },
    ]);
    expect(content.text).toBe('{"uri":"docs://intro"}\n\nIntroduction text\nNext chapter');
    expect(content.text).not.toContain('base64');
  });

  it('keeps workflow and manual-approval outputs as JSON text', () => {
    const content = extractMessageContent([
      {
        type: 'tool-DAILYREPORT',
        toolCallId: 'w1',
        state: 'output-available',
        input: { day: 'monday' },
        output: { __$ref__: 'workflow-streaming-result', workflowName: 'Daily report', status: 'success', history: [] },
      },
      {
        type: 'tool-http',
        toolCallId: 'm1',
        state: 'output-available',
        input: { url: 'https://example.com' },
        output: { confirm: false, __$ref__: 'manual-tool-confirm' },
      },
    ]);
    expect(content.text).toContain('"workflowName":"Daily report"');
    expect(content.text).toContain('"__$ref__":"manual-tool-confirm"');
    expect(content.toolCalls.map((call) => call.name)).toEqual(['DAILYREPORT', 'http']);
  });
});

describe('extractMessageContent on odd values', () => {
  it('reads NULL parts as an empty message', () => {
    for (const parts of [null, undefined, []]) {
      const content = extractMessageContent(parts);
      expect(content).toEqual({
        text: '',
        prose: '',
        partTypes: {},
        skippedParts: 0,
        skippedTypes: {},
        toolCalls: [],
        files: [],
        sources: [],
        hasReasoning: false,
        ingestionPreviews: 0,
      });
    }
  });

  it('skips and counts unknown types, null and non-object elements, never throwing', () => {
    const content = extractMessageContent([
      null,
      42,
      'text',
      ['nested'],
      {},
      { type: 7 },
      { type: 'data-weather', data: { city: 'Lyon' } },
      { type: 'data-weather', data: { city: 'Paris' } },
      { type: '__proto__' },
      { type: 'tool-invocation', toolInvocation: 'not an object' },
      { type: 'source-url' },
      { type: 'text', text: 'still read' },
    ]);
    expect(content.skippedParts).toBe(11);
    expect(content.skippedTypes).toEqual({
      '(null)': 1,
      '(not an object)': 3,
      '(no type)': 2,
      'data-weather': 2,
      '(__proto__)': 1,
      'tool-invocation': 1,
      'source-url': 1,
    });
    expect(Object.getPrototypeOf(content.skippedTypes)).toBe(Object.prototype);
    expect(content.text).toBe('still read');
    expect(content.partTypes).toEqual({ text: 1 });
  });

  it('counts a parts value that is not an array as one skipped element', () => {
    const content = extractMessageContent({ type: 'text', text: 'not in an array' });
    expect(content.skippedParts).toBe(1);
    expect(content.skippedTypes).toEqual({ '(not an array)': 1 });
    expect(content.text).toBe('');
  });

  it('skips text parts whose text is not a string, and tolerates odd field values inside other known parts', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const content = extractMessageContent([
      { type: 'text', text: { nested: ['object'] } },
      { type: 'text', text: 12 },
      { type: 'text', text: null },
      { type: 'reasoning' },
      { type: 'file', url: 42, mediaType: ['image/png'] },
      { type: 'tool-' },
      { type: 'tool-big', state: 'output-available', input: { n: 1n }, output: cyclic },
      { type: 'tool-x', state: 'output-available', output: { content: 'not an array' } },
      { type: 'tool-y', state: 'output-available', output: { content: [null, 5, { type: 'text', text: 3 }] } },
      { type: 'dynamic-tool', state: 'output-error', errorText: 404 },
    ]);
    expect(content.text).toBe(
      ['{"content":"not an array"}', '3'].join('\n\n'),
    );
    expect(content.prose).toBe('');
    expect(content.files).toEqual([{ filename: null, mediaType: null, url: null }]);
    expect(content.hasReasoning).toBe(true);
    expect(content.skippedTypes).toEqual({ text: 3, 'tool-': 1 });
    expect(content.toolCalls).toEqual([
      { name: 'big', status: 'done', legacy: false },
      { name: 'x', status: 'done', legacy: false },
      { name: 'y', status: 'done', legacy: false },
      { name: 'dynamic-tool', status: 'error', legacy: false },
    ]);
  });

  it('cuts absurdly long tool names', () => {
    const content = extractMessageContent([{ type: `tool-${'n'.repeat(500)}`, state: 'input-available' }]);
    expect(content.toolCalls[0]!.name).toHaveLength(128);
  });
});
