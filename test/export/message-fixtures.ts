import type { ExportFooter, ExportHeader, ExportMessage } from '../../src/export/export-types.ts';

export const header: ExportHeader = {
  archiveId: '7d3c1f2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b',
  archiveName: 'Q3 réunions | finance',
  archiveDescription: 'Threads about the Q3 report — œuvre, façade, Größe',
  threadId: '0e6b9d3a-77c1-4a0f-b2e5-9f1d8c4a6b20',
  threadTitle: 'Réunion: élève, garçon, à côté, über, Straße, cœur',
  userId: '3f2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
  exportedAt: new Date('2025-06-12T16:00:00.000Z'),
  encoding: 'utf-8',
};

export const footer: ExportFooter = {
  messageCount: 4,
  tokensTotal: 321,
  summary: 'The user asked for a **summary** of the Q3 report; the assistant searched issues and the web.',
  analysis: { topics: ['report', 'ECB'], sentiment: 'neutral', toolCalls: { webSearch: 1 }, nested: [1, 2.5, null, true] },
};

/** One of every part shape the host stores (AI SDK v5, legacy v4, unknown), as node-postgres returns them. */
export const messages: ExportMessage[] = [
  {
    id: '5d0c2f1e-8a4b-4c71-9e2d-0b6f3a1c7e42',
    role: 'user',
    createdAt: new Date('2025-06-12T14:03:05.123Z'),
    tokens: 24,
    metadata: null,
    parts: [
      { type: 'text', text: 'Attached files:\n1. q3-report.pdf (application/pdf)', ingestionPreview: true },
      {
        type: 'file',
        url: 'https://files.example.com/uploads/7f3a-q3-report.pdf',
        mediaType: 'application/pdf',
        filename: 'q3-report.pdf',
      },
      { type: 'text', text: 'Summarise the attached report in five bullet points. Merci, très gentil — ça m’aide.' },
    ],
  },
  {
    id: 'a91e77b0-3c2d-4f5e-8b1a-6d4e2f9c0b13',
    role: 'assistant',
    createdAt: new Date('2025-06-12T14:03:41.000Z'),
    tokens: 130,
    metadata: {
      chatModel: { provider: 'openai', model: 'gpt-4.1' },
      toolChoice: 'auto',
      toolCount: 7,
      usage: { inputTokens: 1840, outputTokens: 212, totalTokens: 2052 },
    },
    parts: [
      { type: 'step-start' },
      {
        type: 'tool-github_search_issues',
        toolCallId: 'call_x81Qe',
        state: 'output-available',
        input: { q: 'archive bug', repo: 'acme/app' },
        output: {
          content: [{ type: 'text', text: { total_count: 2, items: [{ number: 14 }, { number: 9 }] } }],
          isError: false,
        },
      },
      { type: 'step-start' },
      { type: 'text', text: 'I found two matching issues: #14 and #9.', state: 'done' },
    ],
  },
  {
    id: '0e6b9d3a-77c1-4a0f-b2e5-9f1d8c4a6b21',
    role: 'assistant',
    createdAt: new Date('2025-06-12T14:05:00.000Z'),
    tokens: 95,
    metadata: {
      chatModel: { provider: 'anthropic', model: 'claude-sonnet-4' },
      toolChoice: 'auto',
      toolCount: 3,
      agentId: '3f2b0000-0000-4000-8000-000000000000',
    },
    parts: [
      { type: 'step-start' },
      { type: 'reasoning', text: 'The user asks about the latest ECB rate decision; I should search the web.', state: 'done' },
      {
        type: 'tool-webSearch',
        toolCallId: 'toolu_01Ab',
        state: 'output-error',
        input: { query: 'ECB rate June 2025' },
        errorText: 'Request timed out',
      },
      { type: 'source-url', url: 'https://www.ecb.europa.eu/press/pr/date/2025/html/index.en.html', title: 'ECB press releases' },
      { type: 'text', text: 'The search failed, but from memory the ECB cut rates in June 2025.', state: 'done' },
    ],
  },
  {
    id: 'legacy-0001',
    role: 'assistant',
    createdAt: new Date('2024-11-02T09:00:00.000Z'),
    tokens: 72,
    metadata: { chatModel: { model: 'gpt-4o' }, usage: { totalTokens: 410 } },
    parts: [
      {
        type: 'tool-invocation',
        toolInvocation: { state: 'result', toolCallId: 'call_1', toolName: 'createTable', args: { rows: 3 }, result: { ok: true } },
      },
      {
        type: 'tool-REPORTWORKFLOW',
        toolCallId: 'call_2',
        state: 'output-available',
        input: { month: 'June' },
        output: { '__$ref__': 'workflow-streaming-result', workflowName: 'Report Workflow', status: 'success', history: [] },
      },
      { type: 'tool-http', toolCallId: 'call_3', state: 'input-available', input: { url: 'https://example.com' } },
      { type: 'data-chart', id: 'chart-1', data: { series: [1, 2, 3] } },
      { type: 'text', text: 'Legacy answer with a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |' },
    ],
  },
];
