import { describe, expect, it } from 'vitest';
import { assemblePatternAnalysis, type PatternAggregateRows } from '../../src/analysis/pattern-assembly.ts';

// The shaping of the pattern analysis, fed rows directly: no database.
describe('assemblePatternAnalysis', () => {
  const range = { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-03T00:00:00Z'), userId: null, timeZone: 'Europe/Paris' };
  const rows: PatternAggregateRows = {
    totals: { messages: 5, active_threads: 2, active_users: 1 },
    perDay: [{ day: '2026-01-02', messages: 5, active_threads: 2, active_users: 1 }],
    newThreadsPerDay: [{ day: '2026-01-01', threads: 1 }, { day: '2026-01-02', threads: 2 }],
    hours: [{ hour: 9, messages: 3 }, { hour: 23, messages: 2 }],
    roles: [{ role: 'user', messages: 3 }, { role: 'assistant', messages: 2 }],
    threadLength: { threads: 2, average: 2.5, p90: null, max: 3 },
    models: [{ provider: 'openai', model: 'gpt-4.1', messages: 2, with_usage: 1, input: '10', output: '5', total: '15', reasoning: '0', cached: '3' }],
    modelsPerDay: [{ day: '2026-01-02', provider: 'openai', model: 'gpt-4.1', messages: 2, input: '10', output: '5', total: '15' }],
    weekdayHours: [{ weekday: 5, hour: 9, messages: 3 }, { weekday: 5, hour: 23, messages: 2 }],
    tools: [{ name: 'search', calls: 4, errors: 1 }],
    agents: [{ agent_id: 'a1', name: null, messages: 2, threads: 1 }],
  };

  it('merges days of activity and of new threads, fills the hours and reads sums as numbers', () => {
    const result = assemblePatternAnalysis(range, rows);
    expect(result.range).toEqual({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-03T00:00:00.000Z' });
    expect(result.totals).toEqual({ messages: 5, activeThreads: 2, newThreads: 3, activeUsers: 1 });
    expect(result.perDay).toEqual([
      { day: '2026-01-01', messages: 0, activeThreads: 0, newThreads: 1, activeUsers: 0 },
      { day: '2026-01-02', messages: 5, activeThreads: 2, newThreads: 2, activeUsers: 1 },
    ]);
    expect(result.hourOfDay).toHaveLength(24);
    expect(result.hourOfDay[9]).toBe(3);
    expect(result.hourOfDay[23]).toBe(2);
    expect(result.byRole).toEqual({ user: 3, assistant: 2 });
    expect(result.threadLength).toEqual({ threads: 2, average: 2.5, p90: 0, max: 3 });
    expect(result.tokensByModel[0]).toMatchObject({ inputTokens: 10, totalTokens: 15, cachedInputTokens: 3, messagesWithUsage: 1 });
    expect(result.tokensByModelPerDay).toEqual([{ day: '2026-01-02', provider: 'openai', model: 'gpt-4.1', messages: 2, inputTokens: 10, outputTokens: 5, totalTokens: 15 }]);
    expect(result.weekdayHour).toEqual([{ weekday: 5, hour: 9, messages: 3 }, { weekday: 5, hour: 23, messages: 2 }]);
    expect(result.tools).toEqual([{ name: 'search', calls: 4, errors: 1, errorRate: 0.25 }]);
    expect(result.agents).toEqual([{ agentId: 'a1', name: null, messages: 2, threads: 1 }]);
  });

  it('answers an empty range with zeros', () => {
    const empty = assemblePatternAnalysis(range, {
      ...rows, totals: { messages: 0, active_threads: 0, active_users: 0 }, perDay: [], newThreadsPerDay: [], hours: [], roles: [],
      threadLength: { threads: 0, average: null, p90: null, max: null }, models: [], modelsPerDay: [], weekdayHours: [], tools: [], agents: [],
    });
    expect(empty.perDay).toEqual([]);
    expect(empty.hourOfDay.every((count) => count === 0)).toBe(true);
    expect(empty.threadLength).toEqual({ threads: 0, average: 0, p90: 0, max: 0 });
  });
});
