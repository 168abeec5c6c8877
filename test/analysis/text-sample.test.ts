import { describe, expect, it } from 'vitest';
import { sampleText } from '../../src/analysis/text-sample.ts';

describe('sampleText', () => {
  it('keeps a text that fits', () => {
    expect(sampleText('short', 10)).toBe('short');
  });

  it('keeps the head and the tail of a long text, within the bound', () => {
    const text = `${'h'.repeat(1000)}${'m'.repeat(1_000_000)}${'t'.repeat(1000)}`;
    const sample = sampleText(text, 2000);
    expect(sample.length).toBeLessThanOrEqual(2000);
    expect(sample.startsWith('h'.repeat(990))).toBe(true);
    expect(sample.endsWith('t'.repeat(990))).toBe(true);
    expect(sample).toContain('\n\n…\n\n');
  });

  it('never splits a surrogate pair', () => {
    const sample = sampleText('😀'.repeat(5000), 1001);
    expect(sample).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});
