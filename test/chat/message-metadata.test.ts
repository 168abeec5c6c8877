import { describe, it, expect } from 'vitest';
import { parseMessageMetadata } from '../../src/chat/message-metadata.ts';
import hostExamples from '../analysis/fixtures/host-schema-examples.json' with { type: 'json' };

describe('parseMessageMetadata', () => {
  it('reads the ChatMetadata of the host schema examples', () => {
    expect(hostExamples.map((row) => parseMessageMetadata(row.metadata))).toEqual([
      {},
      {
        chatModel: { provider: 'openai', model: 'gpt-4.1' },
        toolChoice: 'auto',
        toolCount: 7,
        usage: { inputTokens: 1840, outputTokens: 212, totalTokens: 2052 },
      },
      {
        chatModel: { provider: 'anthropic', model: 'claude-sonnet-4' },
        toolChoice: 'auto',
        toolCount: 3,
        agentId: '3f2b…',
      },
    ]);
  });

  it('reads every usage field', () => {
    const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15, reasoningTokens: 3, cachedInputTokens: 4 };
    expect(parseMessageMetadata({ usage })).toEqual({ usage });
  });

  it('reads the rows migrated by the app with only a model or only a total', () => {
    expect(parseMessageMetadata({ chatModel: { model: 'gpt-4' } })).toEqual({ chatModel: { model: 'gpt-4' } });
    expect(parseMessageMetadata({ usage: { totalTokens: 931 } })).toEqual({ usage: { totalTokens: 931 } });
  });

  it('reads anything that is not an object as empty', () => {
    for (const value of [null, undefined, 'metadata', 5, true, [], [{ chatModel: { model: 'x' } }]]) {
      expect(parseMessageMetadata(value)).toEqual({});
    }
  });

  it('drops only the fields that are odd', () => {
    expect(
      parseMessageMetadata({
        chatModel: 'gpt-4',
        usage: { inputTokens: -1, outputTokens: '3', totalTokens: 5, reasoningTokens: Number.NaN },
        toolChoice: 'sometimes',
        toolCount: 2.5,
        agentId: '',
        extra: { ignored: true },
      }),
    ).toEqual({ usage: { totalTokens: 5 } });
    expect(parseMessageMetadata({ chatModel: { provider: 'openai', model: 42 }, usage: null })).toEqual({
      chatModel: { provider: 'openai' },
    });
  });
});
