import { describe, expect, it } from 'vitest';
import { rangeDays } from '../../src/report/range-days.ts';

describe('rangeDays', () => {
  it('lists the local days a range touches, across a daylight-saving change', () => {
    // Paris leaves summer time on 26 October 2025: that local day has 25 hours.
    expect(rangeDays({ start: '2025-10-24T22:00:00Z', end: '2025-10-27T23:00:00Z' }, 'Europe/Paris')).toEqual(['2025-10-25', '2025-10-26', '2025-10-27']);
  });

  it('gives one day for a nightly run of one local day, and crosses months and years', () => {
    expect(rangeDays({ start: '2026-03-09T05:00:00Z', end: '2026-03-10T04:00:00Z' }, 'America/New_York')).toEqual(['2026-03-09']);
    expect(rangeDays({ start: '2025-12-30T00:00:00Z', end: '2026-01-02T00:00:00Z' }, 'UTC')).toEqual(['2025-12-30', '2025-12-31', '2026-01-01']);
  });
});
