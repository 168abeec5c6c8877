import { normalizeForDrawing } from './glyph-filter.ts';
import { breakLongRuns } from './pdf-text-chunks.ts';
import { pdfFonts, type PdfFace } from './pdf-fonts.ts';
import { useFastStandardMetrics } from './standard-font-metrics.ts';
import { winAnsiByte, winAnsiEncodable } from './win-ansi.ts';

/** pdfkit's built-in standard fonts (not embedded; every PDF viewer has them), one per face. */
const STANDARD: Record<PdfFace, string> = {
  regular: 'Helvetica',
  bold: 'Helvetica-Bold',
  italic: 'Helvetica-Oblique',
  mono: 'Courier',
};
const STANDARD_NAMES = new Set(Object.values(STANDARD));

/** C0 and C1 controls: normalizeForDrawing turns them into line breaks and spaces, or drops them. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

export interface DrawableText {
  /** The pdfkit font name to select before drawing `text`. */
  font: string;
  text: string;
  /** A standard font: `text` is normalized and unbroken (StandardTextPainter can draw it, or pdfkit after breakLongRuns). */
  standard: boolean;
}

/**
 * Picks the font of each piece of text a PDF draws. Text the standard fonts can encode (all of Western European
 * prose) is drawn with them: nothing to embed and no shaping, a table lookup per character. Anything else (Greek,
 * Cyrillic, Arabic, symbols, emoji, CJK) is drawn with the embedded DejaVu face, subset to the glyphs used, its missing
 * characters replaced (createGlyphFilter); those fonts load, and register in the document, only on first use.
 * The choice is made per piece (a paragraph, a label), never within one, so a line's text stays one text object.
 */
export class PdfTypefaces {
  private readonly registered = new Set<PdfFace>();

  private readonly doc: PDFKit.PDFDocument;

  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
  }

  /** The font for `raw`; text for an embedded font comes with its long runs broken (breakLongRuns) for pdfkit. */
  choose(face: PdfFace, raw: string): DrawableText {
    const text = normalizeForDrawing(raw);
    if (winAnsiEncodable(text)) return { font: STANDARD[face], text, standard: true };
    const embedded = pdfFonts()[face];
    const name = `embedded-${face}`;
    if (!this.registered.has(face)) {
      this.doc.registerFont(name, embedded.data);
      this.registered.add(face);
    }
    return { font: name, text: embedded.fit(breakLongRuns(text)), standard: false };
  }

  /**
   * `raw` normalized for drawing when the standard fonts can draw all of it, else null. Text with a character they
   * cannot draw is told apart at that character, before any normalization (a megabyte of CJK costs a scan to its first
   * character); a combining accent counts as such a character, even where it would compose with its base letter into
   * one they can draw: that text takes the general way (`choose`, which normalizes first).
   */
  standardText(raw: string): string | null {
    for (let i = 0; i < raw.length; i++) {
      const code = raw.charCodeAt(i);
      if (winAnsiByte(code) < 0 && !isControl(code)) return null;
    }
    return normalizeForDrawing(raw);
  }

  /** pdfkit's name of the standard font of `face`. */
  standardName(face: PdfFace): string {
    return STANDARD[face];
  }

  /** Makes `font` (a name `choose` returned) the document's current font. */
  activate(font: string): void {
    this.doc.font(font);
    if (STANDARD_NAMES.has(font)) useFastStandardMetrics(this.doc);
  }
}
