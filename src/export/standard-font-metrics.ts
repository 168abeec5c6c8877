import { WIN_ANSI_HIGH_BYTES, winAnsiByte } from './win-ansi.ts';

// pdfkit measures and encodes text in a standard font one character at a time through string-keyed lookups (glyph
// name, then width, then the kerning pair "left\0right"): most of a PDF export's time. The same figures, read once
// from pdfkit's own AFM data into arrays indexed by WinAnsi byte, give identical widths and bytes far faster. This
// replaces two methods on pdfkit's StandardFont instances (an internal of the pinned pdfkit version);
// test/export/standard-font-metrics.test.ts compares both for every face and guards the shape relied on here.

interface AfmFont {
  characterToGlyph(character: number): string;
  widthOfGlyph(glyph: string): number;
  /** `${left glyph}\0${right glyph}` → amount, for the pairs that kern. */
  kernPairs: Record<string, number>;
}

/** The parts of pdfkit's StandardFont that are replaced or read. */
interface StandardFontInstance {
  name: string;
  font: AfmFont;
  encode(text: string, features?: unknown): [string[], GlyphPosition[]];
  widthOfString(text: string, size: number, features?: unknown): number;
}

interface GlyphPosition {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
}

/** A standard font's figures by WinAnsi byte, in 1/1000 em. */
export interface StandardFontMetrics {
  /** Advance width by byte. */
  widths: Float64Array;
  /** Kerning by left byte × 256 + right byte (negative: closer). */
  kerning: Float64Array;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16));
const metricsByFont = new Map<string, StandardFontMetrics>();
const patched = new WeakSet<object>();

function unicodeOfByte(byte: number): number {
  for (const [unicode, mapped] of WIN_ANSI_HIGH_BYTES) if (mapped === byte) return unicode;
  return byte;
}

function readMetrics(afm: AfmFont): StandardFontMetrics {
  const glyphs: Array<string | null> = Array.from({ length: 256 }, (_, byte) => {
    const unicode = unicodeOfByte(byte);
    return winAnsiByte(unicode) === byte ? afm.characterToGlyph(unicode) : null;
  });
  const widths = new Float64Array(256);
  const bytesOfGlyph = new Map<string, number[]>();
  glyphs.forEach((glyph, byte) => {
    if (glyph === null) return;
    widths[byte] = afm.widthOfGlyph(glyph);
    bytesOfGlyph.set(glyph, [...(bytesOfGlyph.get(glyph) ?? []), byte]);
  });
  const kerning = new Float64Array(256 * 256);
  for (const [pair, amount] of Object.entries(afm.kernPairs)) {
    const [left = '', right = ''] = pair.split('\0');
    for (const l of bytesOfGlyph.get(left) ?? []) for (const r of bytesOfGlyph.get(right) ?? []) kerning[l * 256 + r] = amount;
  }
  return { widths, kerning };
}

function isStandardFont(font: unknown): font is StandardFontInstance {
  if (typeof font !== 'object' || font === null) return false;
  const afm: unknown = Reflect.get(font, 'font');
  return (
    typeof Reflect.get(font, 'name') === 'string' &&
    typeof Reflect.get(font, 'encode') === 'function' &&
    typeof Reflect.get(font, 'widthOfString') === 'function' &&
    typeof afm === 'object' &&
    afm !== null &&
    typeof Reflect.get(afm, 'characterToGlyph') === 'function' &&
    typeof Reflect.get(afm, 'kernPairs') === 'object'
  );
}

function metricsOf(font: StandardFontInstance): StandardFontMetrics {
  let metrics = metricsByFont.get(font.name);
  if (!metrics) {
    metrics = readMetrics(font.font);
    metricsByFont.set(font.name, metrics);
  }
  return metrics;
}

/** The table-driven metrics of a pdfkit standard font instance (the document's `_font` after `font(name)`). */
export function standardFontMetrics(font: unknown): StandardFontMetrics {
  if (!isStandardFont(font)) throw new Error('not a pdfkit standard font');
  return metricsOf(font);
}

/** Gives the document's current font (a standard one) the table-driven `widthOfString` and `encode`. */
export function useFastStandardMetrics(doc: PDFKit.PDFDocument): void {
  const font: unknown = Reflect.get(doc, '_font');
  if (!isStandardFont(font) || patched.has(font)) return;
  patched.add(font);
  const { widths, kerning } = metricsOf(font);
  const originalWidth = font.widthOfString.bind(font);
  const originalEncode = font.encode.bind(font);

  // No allocation per call: pdfkit measures every word of every line.
  font.widthOfString = (text, size, features) => {
    let width = 0;
    let previous = -1;
    for (let i = 0; i < text.length; i++) {
      const byte = winAnsiByte(text.charCodeAt(i));
      if (byte < 0) return originalWidth(text, size, features);
      width += widths[byte]!;
      if (previous >= 0) width += kerning[previous * 256 + byte]!;
      previous = byte;
    }
    return (width * size) / 1000;
  };

  font.encode = (text, features) => {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const byte = winAnsiByte(text.charCodeAt(i));
      if (byte < 0) return originalEncode(text, features);
      bytes[i] = byte;
    }
    const encoded: string[] = new Array<string>(bytes.length);
    const positions: GlyphPosition[] = new Array<GlyphPosition>(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      const advanceWidth = widths[byte]!;
      const kern = i + 1 < bytes.length ? kerning[byte * 256 + bytes[i + 1]!]! : 0;
      encoded[i] = HEX[byte]!;
      positions[i] = { xAdvance: advanceWidth + kern, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth };
    }
    return [encoded, positions];
  };
}
