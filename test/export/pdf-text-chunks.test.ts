import { describe, expect, it } from 'vitest';
import { breakLongRuns, MAX_UNBROKEN_CHARS, pdfTextChunks } from '../../src/export/pdf-text-chunks.ts';

const unbrokenRuns = (text: string) => text.split(/[\s\-‐–—/]/u).map((run) => run.length);

describe('pdfTextChunks', () => {
  it('keeps short text whole', () => {
    expect([...pdfTextChunks('Hello\nworld')]).toEqual([{ text: 'Hello\nworld', continued: false }]);
    expect([...pdfTextChunks('')]).toEqual([]);
  });

  it('cuts a megabyte into bounded chunks that give the text back, runs broken into short lines', () => {
    const text = [`${'a'.repeat(300_000)}`, 'word '.repeat(100_000), '\n'.repeat(50_000), '数'.repeat(100_000)].join('\n');
    const chunks = [...pdfTextChunks(text, 2000)];
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(2000);
      expect(Math.max(...unbrokenRuns(chunk.text))).toBeLessThanOrEqual(MAX_UNBROKEN_CHARS);
    }
    const joined = chunks.map((chunk) => chunk.text + (chunk.continued ? '' : '\n')).join('');
    expect(joined.replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
  });

  it('breaks long runs without splitting surrogate pairs', () => {
    const broken = breakLongRuns('😀'.repeat(1000));
    expect(Math.max(...broken.split('\n').map((line) => line.length))).toBeLessThanOrEqual(MAX_UNBROKEN_CHARS + 1);
    expect(broken).not.toMatch(/[\uD800-\uDBFF]\n/);
  });
});
