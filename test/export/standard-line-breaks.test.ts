import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { standardFontMetrics, type StandardFontMetrics } from '../../src/export/standard-font-metrics.ts';
import { breakLines } from '../../src/export/standard-line-breaks.ts';

/** Every character 100 units wide, no kerning: widths are character counts × 100. */
const MONO: StandardFontMetrics = { widths: new Float64Array(256).fill(100), kerning: new Float64Array(256 * 256) };

function lines(text: string, width: number, firstWidth = width, metrics = MONO): string[] {
  return breakLines(text, metrics, firstWidth, width).map((line) => text.slice(line.start, line.end));
}

describe('breakLines', () => {
  it('ends a line before the word that would overflow it and drops the spaces between them', () => {
    expect(lines('aa bb cc', 500)).toEqual(['aa bb', 'cc']);
    expect(lines('aa    bb cc', 500)).toEqual(['aa', 'bb cc']);
    expect(lines('one two three four five', 900)).toEqual(['one two', 'three', 'four five']);
  });

  it('may end a line after a hyphen, dash or slash inside a word', () => {
    expect(lines('well-known', 600)).toEqual(['well-', 'known']);
    expect(lines('a/b/c/d', 400)).toEqual(['a/b/', 'c/d']);
    expect(lines('x — y', 300)).toEqual(['x —', 'y']);
  });

  it('cuts a word wider than a line where it overflows, one character at least', () => {
    expect(lines('abcdefghij', 300)).toEqual(['abc', 'def', 'ghi', 'j']);
    expect(lines('abc', 50)).toEqual(['a', 'b', 'c']);
    expect(lines('go abcdefghij', 400)).toEqual(['go', 'abcd', 'efgh', 'ij']);
  });

  it('lets a continued first line stay empty rather than cut a word that fits a whole line', () => {
    expect(lines('abc de', 600, 200)).toEqual(['', 'abc de']);
    expect(lines('a bcd', 600, 200)).toEqual(['a', 'bcd']);
    expect(lines('abcdefgh', 600, 0)).toEqual(['', 'abcdef', 'gh']);
  });

  it('keeps the spaces that open or close a paragraph; an empty paragraph is one empty line', () => {
    expect(lines('', 500)).toEqual(['']);
    expect(lines('    code', 1000)).toEqual(['    code']);
    expect(lines('label: ', 1000)).toEqual(['label: ']);
    expect(lines('   ', 1000)).toEqual(['   ']);
  });

  it('measures each line as drawn', () => {
    expect(breakLines('aa bb cc', MONO, 500, 500)).toEqual([
      { start: 0, end: 5, width: 500 },
      { start: 6, end: 8, width: 200 },
    ]);
  });

  it('stays linear on a megabyte without a break and on a megabyte of spaces', () => {
    const word = 'x'.repeat(1_000_000);
    expect(breakLines(word, MONO, 10_000, 10_000)).toHaveLength(10_000);
    const spaced = `a${' '.repeat(1_000_000)}b`;
    expect(lines(spaced, 10_000)).toEqual(['a', 'b']);
  });

  it("fills each line of real text as far as pdfkit's own measure of Helvetica allows", () => {
    const doc = new PDFDocument({ autoFirstPage: false });
    doc.font('Helvetica').fontSize(10);
    const metrics = standardFontMetrics(Reflect.get(doc, '_font'));
    const words = ['Élève', 'à', 'côté', '—', '“quotes”,', 'œuvre', 'Straße', '12 €', 'café', 'AVATAR', 'To', 'Yo', 'r.', 'pipeline', 'données'];
    const text = Array.from({ length: 400 }, (_, i) => words[(i * 7) % words.length]).join(' ');
    const width = 300;
    const broken = lines(text, width * 100, width * 100, metrics);
    expect(broken.length).toBeGreaterThan(20);
    broken.forEach((line, index) => {
      expect(doc.widthOfString(line)).toBeLessThanOrEqual(width + 1e-9);
      expect(line).toBe(line.trim());
      const nextWord = broken[index + 1]?.split(' ')[0];
      if (nextWord !== undefined) expect(doc.widthOfString(`${line} ${nextWord}`)).toBeGreaterThan(width);
    });
    expect(broken.join(' ')).toBe(text);
  });
});
