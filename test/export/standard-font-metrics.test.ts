import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { useFastStandardMetrics } from '../../src/export/standard-font-metrics.ts';
import { WIN_ANSI_HIGH_BYTES } from '../../src/export/win-ansi.ts';

interface MeasuringFont {
  encode(text: string): [string[], unknown[]];
  widthOfString(text: string, size: number): number;
}

function currentFont(doc: PDFKit.PDFDocument): MeasuringFont {
  return Reflect.get(doc, '_font') as MeasuringFont;
}

// Every WinAnsi character, and words where kerning applies (AV, To, "Yo", "r." …).
const EVERY_CHARACTER = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  ...Array.from({ length: 0x100 - 0xa0 }, (_, i) => String.fromCharCode(0xa0 + i)),
  ...[...WIN_ANSI_HIGH_BYTES.keys()].map((code) => String.fromCharCode(code)),
].join('');
const SAMPLES = [
  EVERY_CHARACTER,
  'AVATAR To Yo Wa r. y, LT P. F, “Quoted” — dash … œuvre Straße €12',
  'Élève à côté, garçon, über, cœur; Ÿ ž š ƒ ˆ ˜ ‰ ‹ › • † ‡ ™',
  'x',
  '',
];

describe('table-driven metrics of the standard fonts', () => {
  for (const name of ['Helvetica', 'Helvetica-Bold', 'Helvetica-Oblique', 'Courier']) {
    it(`gives the same widths and bytes as pdfkit's own for ${name}`, () => {
      const plain = new PDFDocument({ autoFirstPage: false });
      const fast = new PDFDocument({ autoFirstPage: false });
      plain.font(name);
      fast.font(name);
      useFastStandardMetrics(fast);
      const reference = currentFont(plain);
      const patched = currentFont(fast);
      expect(patched.widthOfString).not.toBe(reference.widthOfString);
      for (const text of SAMPLES) {
        expect(patched.widthOfString(text, 10)).toBeCloseTo(reference.widthOfString(text, 10), 9);
        expect(patched.encode(text)).toEqual(reference.encode(text));
      }
      // Characters the encoding lacks go through pdfkit's own methods unchanged.
      expect(patched.widthOfString('Ω and 你好', 10)).toBe(reference.widthOfString('Ω and 你好', 10));
      expect(patched.encode('Ω')).toEqual(reference.encode('Ω'));
    });
  }
});
