import { describe, expect, it } from 'vitest';
import { correctsToItself } from '../../src/search/query-correction.ts';

describe('correctsToItself', () => {
  const similar = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

  it('is true when every word of a plain query resembles only itself', () => {
    expect(correctsToItself('kubernetes', similar({ kubernetes: ['kubernetes'] }))).toBe(true);
    expect(correctsToItself('Hôtel  Lisbonne', similar({ hotel: ['hotel'], lisbonne: ['lisbonne'] }))).toBe(true);
  });

  it('is false when a word has other look-alikes, none, or is too short to look up', () => {
    expect(correctsToItself('kubernetse', similar({ kubernetse: ['kubernetes'] }))).toBe(false);
    expect(correctsToItself('kubernetes', similar({ kubernetes: ['kubernetes', 'kubernete'] }))).toBe(false);
    expect(correctsToItself('hotel lisbonne', similar({ hotel: ['hotel'] }))).toBe(false);
    expect(correctsToItself('ECB rate', similar({ rate: ['rate'] }))).toBe(false);
    expect(correctsToItself('', similar({}))).toBe(false);
  });

  it('is false for a phrase, an OR or an exclusion, which the corrected query does not keep', () => {
    const own = similar({ connection: ['connection'], pool: ['pool'], revenue: ['revenue'] });
    expect(correctsToItself('"connection pool"', own)).toBe(false);
    expect(correctsToItself('connection or pool', own)).toBe(false);
    expect(correctsToItself('pool -revenue', own)).toBe(false);
    expect(correctsToItself('pool, connection', own)).toBe(false);
  });
});
