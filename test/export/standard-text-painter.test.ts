import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { standardFontMetrics } from '../../src/export/standard-font-metrics.ts';
import { showTextOperator } from '../../src/export/standard-text-painter.ts';
import { winAnsiByte } from '../../src/export/win-ansi.ts';

interface ReferenceFont {
  encode(text: string): [string[], Array<{ xAdvance: number; advanceWidth: number }>];
}

/** The bytes and the adjustments after each byte that pdfkit's own `TJ` of `text` would show. */
function pdfkitShows(font: ReferenceFont, text: string): { bytes: number[]; adjustments: Map<number, number> } {
  const [encoded, positions] = font.encode(text);
  const adjustments = new Map<number, number>();
  positions.forEach((position, index) => {
    const kern = position.xAdvance - position.advanceWidth;
    if (kern !== 0) adjustments.set(index + 1, -kern);
  });
  return { bytes: encoded.map((hex) => Number.parseInt(hex, 16)), adjustments };
}

/** Reads a `(…) Tj` or `[(…) n (…)] TJ` operator back into bytes and the adjustment before each byte index. */
function readShow(operator: string): { bytes: number[]; adjustments: Map<number, number> } {
  const bytes: number[] = [];
  const adjustments = new Map<number, number>();
  for (const token of operator.matchAll(/\(((?:\\.|[^\\)])*)\)|(-?\d+)/g)) {
    if (token[2] !== undefined) {
      adjustments.set(bytes.length, Number(token[2]));
      continue;
    }
    const literal = (token[1] ?? '').replace(/\\(.)/g, '$1');
    for (let i = 0; i < literal.length; i++) bytes.push(literal.charCodeAt(i));
  }
  return { bytes, adjustments };
}

describe('showTextOperator', () => {
  const samples = [
    'AVATAR To Yo Wa r. y, LT P. F, “Quoted” — dash … œuvre Straße €12',
    'Élève à côté, garçon, über, cœur; Ÿ ž š ƒ ˆ ˜ ‰ ‹ › • † ‡ ™',
    'parentheses (nested (deep)) and a back\\slash',
    'plain words without kerning pairs',
  ];

  for (const name of ['Helvetica', 'Helvetica-Bold', 'Helvetica-Oblique', 'Courier']) {
    it(`shows the bytes and kerning pdfkit shows for ${name}`, () => {
      const doc = new PDFDocument({ autoFirstPage: false });
      doc.font(name);
      const font: unknown = Reflect.get(doc, '_font');
      const { kerning } = standardFontMetrics(font);
      for (const text of samples) {
        const operator = showTextOperator(text, 0, text.length, kerning);
        expect(readShow(operator)).toEqual(pdfkitShows(font as ReferenceFont, text));
        expect(operator).toMatch(/^\(.*\) Tj$|^\[.*\] TJ$/s);
      }
    });
  }

  it('escapes the delimiters of a literal string and writes WinAnsi bytes for characters beyond Latin-1', () => {
    const none = new Float64Array(256 * 256);
    expect(showTextOperator('a(b)c\\d', 0, 7, none)).toBe('(a\\(b\\)c\\\\d) Tj');
    expect(showTextOperator('x—€y', 0, 4, none)).toBe(`(x${String.fromCharCode(winAnsiByte(0x2014))}${String.fromCharCode(winAnsiByte(0x20ac))}y) Tj`);
    expect(showTextOperator('skip this part', 5, 9, none)).toBe('(this) Tj');
    expect(() => showTextOperator('Ω', 0, 1, none)).toThrow(/U\+03a9/);
  });
});
