import { describe, it, expect } from 'vitest';
import {
  CONVERSATION_ANALYSIS_VERSION,
  ConversationAnalysisAccumulator,
  conversationAnalysisSchema,
  type ConversationAnalysis,
} from '../../src/analysis/conversation-analysis.ts';
import { extractMessageContent } from '../../src/chat/message-content.ts';
import { parseMessageMetadata } from '../../src/chat/message-metadata.ts';
import hostExamples from './fixtures/host-schema-examples.json' with { type: 'json' };
import legacyMessages from './fixtures/legacy-v4-messages.json' with { type: 'json' };

const [userWithFile, assistantWithMcpTool, assistantWithFailedTool] = hostExamples;
const [legacyUser, legacyAssistant] = legacyMessages;

interface Row {
  readonly role: string;
  readonly parts: unknown;
  readonly metadata: unknown;
  readonly createdAt: Date | string | null;
  readonly tokens: number;
}

// Six messages, fed in conversation order; every expected number below is counted by hand from them.
const conversation: readonly Row[] = [
  { ...userWithFile!, createdAt: '2025-06-01 09:00:00', tokens: 30 },
  { ...assistantWithMcpTool!, createdAt: new Date('2025-06-01T09:00:05Z'), tokens: 60 },
  { ...legacyUser!, parts: [...legacyUser!.parts, null], createdAt: '2025-06-01T09:10:00.000Z', tokens: 12 },
  { ...legacyAssistant!, createdAt: '2025-06-01T09:10:07Z', tokens: 80 },
  { ...assistantWithFailedTool!, createdAt: '2025-06-01T09:12:00Z', tokens: 70 },
  { role: 'user', parts: null, metadata: null, createdAt: '2025-06-01T09:15:00Z', tokens: 0 },
];

function analyse(rows: readonly Row[]): ConversationAnalysis {
  const accumulator = new ConversationAnalysisAccumulator({ tokenEncoding: 'o200k_base' });
  for (const row of rows) {
    accumulator.add({
      role: row.role,
      createdAt: row.createdAt,
      content: extractMessageContent(row.parts),
      metadata: parseMessageMetadata(row.metadata),
      tokens: row.tokens,
    });
  }
  return accumulator.result();
}

const noUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 };

describe('ConversationAnalysisAccumulator', () => {
  it('counts a small conversation exactly', () => {
    expect(analyse(conversation)).toEqual({
      version: 1,
      messageCount: 6,
      emptyMessages: 1,
      roles: { user: 3, assistant: 3 },
      firstMessageAt: '2025-06-01T09:00:00.000Z',
      lastMessageAt: '2025-06-01T09:15:00.000Z',
      durationSeconds: 900,
      endsWithUserMessage: true,
      tokens: { encoding: 'o200k_base', total: 252, byRole: { user: 42, assistant: 210 } },
      providerUsage: {
        inputTokens: 1840,
        outputTokens: 212,
        totalTokens: 2052 + 931,
        reasoningTokens: 0,
        cachedInputTokens: 0,
        messagesWithUsage: 2,
        messagesWithTotalOnly: 1,
        assistantMessagesWithoutUsage: 1,
      },
      models: [
        { provider: 'anthropic', model: 'claude-sonnet-4', messages: 1, usage: noUsage },
        {
          provider: 'openai',
          model: 'gpt-4.1',
          messages: 1,
          usage: { ...noUsage, inputTokens: 1840, outputTokens: 212, totalTokens: 2052 },
        },
        { provider: null, model: 'gpt-4o', messages: 1, usage: { ...noUsage, totalTokens: 931 } },
      ],
      tools: [
        { name: 'github_search_issues', calls: 1, errors: 0, incomplete: 0, legacyCalls: 0 },
        { name: 'weather_current', calls: 1, errors: 0, incomplete: 0, legacyCalls: 1 },
        { name: 'weather_forecast', calls: 1, errors: 0, incomplete: 1, legacyCalls: 1 },
        { name: 'webSearch', calls: 1, errors: 1, incomplete: 0, legacyCalls: 0 },
      ],
      toolCalls: { total: 4, errors: 1, incomplete: 1 },
      agents: [{ id: '3f2b…', messages: 1 }],
      parts: {
        byType: {
          text: 6,
          'step-start': 4,
          file: 2,
          'tool-*': 2,
          reasoning: 2,
          'tool-invocation': 2,
          source: 1,
        },
        skipped: 1,
        skippedByType: { '(null)': 1 },
        ingestionPreviews: 1,
      },
      files: { total: 2, byMediaType: { 'application/pdf': 1, 'image/png': 1 } },
      sources: { total: 1 },
      reasoning: { messages: 2 },
      language: { language: 'en', script: 'Latn', confidence: 1 },
    });
  });

  it('produces JSON that survives a round trip and validates', () => {
    const analysis = analyse(conversation);
    const roundTripped: unknown = JSON.parse(JSON.stringify(analysis));
    expect(conversationAnalysisSchema.parse(roundTripped)).toEqual(analysis);
    expect(analysis.version).toBe(CONVERSATION_ANALYSIS_VERSION);
  });

  it('sums tokens by role only from the numbers it is given', () => {
    const analysis = analyse(conversation.map((row, index) => ({ ...row, tokens: index + 1 })));
    expect(analysis.tokens).toEqual({ encoding: 'o200k_base', total: 21, byRole: { user: 1 + 3 + 6, assistant: 2 + 4 + 5 } });
  });

  it('analyses an empty conversation', () => {
    const analysis = analyse([]);
    expect(analysis).toMatchObject({
      messageCount: 0,
      roles: {},
      firstMessageAt: null,
      lastMessageAt: null,
      durationSeconds: null,
      endsWithUserMessage: false,
      tokens: { total: 0, byRole: {} },
      models: [],
      tools: [],
      language: { language: 'und', script: 'Zyyy', confidence: 0 },
    });
    expect(conversationAnalysisSchema.safeParse(analysis).success).toBe(true);
  });

  it('ignores times it cannot read', () => {
    const analysis = analyse([
      { role: 'user', parts: [], metadata: null, createdAt: 'not a date', tokens: 0 },
      { role: 'user', parts: [], metadata: null, createdAt: new Date(Number.NaN), tokens: 0 },
      { role: 'user', parts: [], metadata: null, createdAt: new Date(Date.UTC(20_000, 0, 1)), tokens: 0 },
      { role: 'assistant', parts: [], metadata: null, createdAt: null, tokens: 0 },
    ]);
    expect(analysis.firstMessageAt).toBeNull();
    expect(analysis.emptyMessages).toBe(4);
    expect(analysis.endsWithUserMessage).toBe(false);
  });

  it('rejects token counts that are not non-negative integers', () => {
    const accumulator = new ConversationAnalysisAccumulator({ tokenEncoding: 'o200k_base' });
    const message = { role: 'user', createdAt: null, content: extractMessageContent([]), metadata: {} };
    for (const tokens of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => accumulator.add({ ...message, tokens })).toThrow(RangeError);
    }
  });

  it('keeps memory bounded: distinct tools beyond the cap are counted together', () => {
    const accumulator = new ConversationAnalysisAccumulator({ tokenEncoding: 'o200k_base' });
    for (let index = 0; index < 600; index++) {
      accumulator.add({
        role: 'assistant',
        createdAt: null,
        content: extractMessageContent([{ type: `tool-t${index}`, state: 'output-available', output: 'ok' }]),
        metadata: parseMessageMetadata({ chatModel: { provider: 'p', model: `m${index}` }, agentId: `a${index}` }),
        tokens: 1,
      });
    }
    const analysis = accumulator.result();
    expect(analysis.tools).toHaveLength(501);
    expect(analysis.tools[0]).toEqual({ name: '(other)', calls: 100, errors: 0, incomplete: 0, legacyCalls: 0 });
    expect(analysis.models).toHaveLength(501);
    expect(analysis.models[0]).toMatchObject({ provider: null, model: '(other)', messages: 100 });
    expect(analysis.agents).toHaveLength(501);
    expect(analysis.toolCalls.total).toBe(600);
  });
});

describe('conversationAnalysisSchema', () => {
  const valid = analyse(conversation);

  it('accepts what the accumulator produces', () => {
    expect(conversationAnalysisSchema.safeParse(valid).success).toBe(true);
  });

  it('rejects another version, negative counts, non-ISO times and missing fields', () => {
    const broken: unknown[] = [
      { ...valid, version: 2 },
      { ...valid, messageCount: -1 },
      { ...valid, firstMessageAt: '2025-06-01 09:00:00' },
      { ...valid, tokens: { ...valid.tokens, encoding: '' } },
      { ...valid, tools: [{ name: 'x', calls: 1.5, errors: 0, incomplete: 0, legacyCalls: 0 }] },
      { ...valid, language: { ...valid.language, confidence: 2 } },
      Object.fromEntries(Object.entries(valid).filter(([key]) => key !== 'providerUsage')),
    ];
    for (const value of broken) expect(conversationAnalysisSchema.safeParse(value).success).toBe(false);
  });
});
