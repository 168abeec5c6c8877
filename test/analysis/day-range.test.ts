import { describe, expect, it } from 'vitest';
import { previousDayRange } from '../../src/analysis/day-range.ts';

const iso = (range: { start: Date; end: Date }) => [range.start.toISOString(), range.end.toISOString()];

describe('previousDayRange', () => {
  it('gives yesterday in UTC', () => {
    expect(iso(previousDayRange(new Date('2026-03-10T03:00:00Z'), 'UTC'))).toEqual(['2026-03-09T00:00:00.000Z', '2026-03-10T00:00:00.000Z']);
  });

  it('uses the calendar day of the zone, not of UTC', () => {
    // 01:30 in Paris on 10 March is still 9 March in UTC.
    expect(iso(previousDayRange(new Date('2026-03-10T00:30:00Z'), 'Europe/Paris'))).toEqual([
      '2026-03-08T23:00:00.000Z',
      '2026-03-09T23:00:00.000Z',
    ]);
    expect(iso(previousDayRange(new Date('2026-03-10T03:00:00Z'), 'America/Los_Angeles'))).toEqual([
      '2026-03-08T08:00:00.000Z',
      '2026-03-09T07:00:00.000Z',
    ]);
  });

  it('gives a 23-hour day when the clocks go forward and a 25-hour day when they go back', () => {
    const spring = previousDayRange(new Date('2026-03-30T01:00:00Z'), 'Europe/Paris');
    expect(iso(spring)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    const autumn = previousDayRange(new Date('2026-10-26T01:00:00Z'), 'Europe/Paris');
    expect(iso(autumn)).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
  });

  it('handles zones east of UTC by more than a day boundary', () => {
    expect(iso(previousDayRange(new Date('2026-01-01T12:00:00Z'), 'Pacific/Kiritimati'))).toEqual([
      '2025-12-31T10:00:00.000Z',
      '2026-01-01T10:00:00.000Z',
    ]);
  });
});
