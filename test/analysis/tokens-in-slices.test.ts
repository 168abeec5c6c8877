import { countEventLoopTurns } from '../support/event-loop-turns.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenCounter, type TokenCounter } from '../../src/analysis/tokens.ts';
import { TimeSlice } from '../../src/time-slice.ts';
import { pathologicalCorpus } from '../support/pathological-corpus.ts';
import { extractMessageContent } from '../../src/chat/message-content.ts';

// countInSlices must give exactly count's answer while letting the event loop run, also inside one huge piece.
describe('counting tokens in slices', () => {
  let counter: TokenCounter;
  beforeAll(async () => {
    counter = await loadTokenCounter('o200k_base');
  });

  it('gives the same count as count() on every pathological message', async () => {
    for (const message of pathologicalCorpus()) {
      const { text } = extractMessageContent(message.parts);
      expect(await counter.countInSlices(text, new TimeSlice()), message.label).toBe(counter.count(text));
    }
  }, 120_000);

  it('lets other callbacks run while one huge piece is merged, and concurrent counts stay exact', async () => {
    const piece = 'a'.repeat(1_000_000);
    const expected = counter.count(piece);
    const turns = countEventLoopTurns();
    // A slice that is always due: the count pauses at every check.
    const counts = await Promise.all([counter.countInSlices(piece, new TimeSlice(0)), counter.countInSlices(`${piece} b`, new TimeSlice(0))]);
    expect(counts).toEqual([expected, counter.count(`${piece} b`)]);
    expect(turns.stop()).toBeGreaterThan(10);
  }, 60_000);
});
