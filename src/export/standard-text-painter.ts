import { standardFontMetrics, type StandardFontMetrics } from './standard-font-metrics.ts';
import { winAnsiByte } from './win-ansi.ts';

// pdfkit draws each line through its generic text path: options, a save/transform/restore around every text object,
// the colour space and colour again before every write, each character's code as two hex digits, every string
// converted to bytes in JavaScript. For lines already broken (standard-line-breaks.ts) in a standard font, this
// writes the same operators directly: one text object per line with its own font selection (so each stays readable
// alone), the colour only when it changes, codes as a literal string with pdfkit's kerning, and the content of a
// whole block handed to the page in one buffer. It relies on pdfkit internals of the pinned version (the current
// font object, the page's font resources); test/export/pdf-renderer.test.ts reads the result back.

/** A standard font as the painter uses it. */
export interface StandardFace {
  /** pdfkit's resource name of the font in the document (F1, F2, …). */
  readonly id: string;
  readonly metrics: StandardFontMetrics;
  /** Distance from a line's top to its baseline, per point of size. */
  readonly ascent: number;
  /** pdfkit's `currentLineHeight(true)` at `size` (the font's line gap included). */
  lineHeight(size: number): number;
  /** The font's object reference, for a page's resources. */
  resource(): unknown;
}

interface PdfkitFont {
  id: string;
  ascender: number;
  lineHeight(size: number, includeGap: boolean): number;
  ref(): unknown;
}

function isPdfkitFont(font: unknown): font is PdfkitFont {
  return (
    typeof font === 'object' &&
    font !== null &&
    typeof Reflect.get(font, 'id') === 'string' &&
    typeof Reflect.get(font, 'ascender') === 'number' &&
    typeof Reflect.get(font, 'lineHeight') === 'function' &&
    typeof Reflect.get(font, 'ref') === 'function'
  );
}

/** A non-negative number as the content stream writes it: at most two decimals (a hundredth of a point). */
function pdfNumber(value: number): string {
  const hundredths = Math.round(value * 100);
  const whole = Math.floor(hundredths / 100);
  const fraction = hundredths - whole * 100;
  if (fraction === 0) return `${whole}`;
  return fraction < 10 ? `${whole}.0${fraction}` : `${whole}.${fraction}`;
}

/** `#rrggbb` → the `rg` operator that makes it the fill colour. */
function fillOperator(color: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!match) throw new Error(`colour ${color} is not #rrggbb`);
  const channel = (hex: string | undefined) => String(Math.round((Number.parseInt(hex ?? '0', 16) / 255) * 10_000) / 10_000);
  return `${channel(match[1])} ${channel(match[2])} ${channel(match[3])} rg`;
}

/** A face at a size in a colour, its operators formatted once. */
export interface Pen {
  readonly face: StandardFace;
  readonly size: number;
  readonly color: string;
  /** From a line's top to its baseline, in points. */
  readonly ascent: number;
  readonly fontOperator: string;
  readonly fillOperator: string;
}

/**
 * The show-text operator of `text.slice(start, end)` (characters the standard fonts can encode): a literal string of
 * WinAnsi bytes (to be written as Latin-1), split where a kerning pair applies, as pdfkit's own `TJ` is.
 */
export function showTextOperator(text: string, start: number, end: number, kerning: Float64Array): string {
  let out = '';
  let segment = start;
  let kerned = false;
  let previous = -1;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    const byte = winAnsiByte(code);
    if (byte < 0) throw new Error(`U+${code.toString(16).padStart(4, '0')} is not in the standard fonts' encoding`);
    const kern = previous >= 0 ? kerning[previous * 256 + byte]! : 0;
    if (kern !== 0) {
      out += `${text.slice(segment, index)}) ${-kern | 0} (`;
      segment = index;
      kerned = true;
    }
    if (byte !== code || code === 0x28 || code === 0x29 || code === 0x5c) {
      out += text.slice(segment, index);
      out += byte === code ? `\\${text[index]}` : String.fromCharCode(byte);
      segment = index + 1;
    }
    previous = byte;
  }
  out += text.slice(segment, end);
  return kerned ? `[(${out})] TJ` : `(${out}) Tj`;
}

/** Draws lines of standard-font text into the document's current page (see the note at the top of this file). */
export class StandardTextPainter {
  private readonly faces = new Map<string, StandardFace>();
  private readonly pens = new Map<string, Pen>();
  /** The fill colour last set in the page's content, as far as this painter knows. */
  private fill: string | null = null;
  private readonly fontsOnPage = new Set<string>();
  private pending: string[] = [];

  private readonly doc: PDFKit.PDFDocument;

  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
  }

  /** The face of a standard font (`Helvetica`, `Courier`, …); selecting it leaves it the document's current font. */
  face(name: string): StandardFace {
    let face = this.faces.get(name);
    if (!face) {
      this.doc.font(name);
      const font: unknown = Reflect.get(this.doc, '_font');
      if (!isPdfkitFont(font)) throw new Error(`pdfkit's font ${name} lacks the fields the painter reads`);
      face = {
        id: font.id,
        metrics: standardFontMetrics(font),
        ascent: font.ascender / 1000,
        lineHeight: (size) => font.lineHeight(size, true),
        resource: () => font.ref(),
      };
      this.faces.set(name, face);
    }
    return face;
  }

  pen(faceName: string, size: number, color: string): Pen {
    const key = `${faceName} ${size} ${color}`;
    let pen = this.pens.get(key);
    if (!pen) {
      const face = this.face(faceName);
      pen = { face, size, color, ascent: face.ascent * size, fontOperator: `/${face.id} ${pdfNumber(size)} Tf`, fillOperator: fillOperator(color) };
      this.pens.set(key, pen);
    }
    return pen;
  }

  /** Draws `text.slice(start, end)` with the top of its line at (x, y) in pdfkit's top-down page coordinates. */
  line(pen: Pen, x: number, y: number, text: string, start: number, end: number): void {
    if (end <= start) return;
    const { face } = pen;
    if (!this.fontsOnPage.has(face.id)) {
      const fonts: unknown = Reflect.get(this.doc.page, 'fonts');
      if (typeof fonts !== 'object' || fonts === null) throw new Error("pdfkit's page has no font resources");
      if (Reflect.get(fonts, face.id) === undefined) Reflect.set(fonts, face.id, face.resource());
      this.fontsOnPage.add(face.id);
    }
    if (this.fill !== pen.color) {
      this.pending.push(pen.fillOperator);
      this.fill = pen.color;
    }
    // The page's user space runs top-down (pdfkit's base transform); a text matrix flipped back keeps glyphs upright.
    this.pending.push(
      `BT\n1 0 0 -1 ${pdfNumber(x)} ${pdfNumber(y + pen.ascent)} Tm\n${pen.fontOperator}\n` +
        `${showTextOperator(text, start, end, face.metrics.kerning)}\nET`,
    );
  }

  /** pdfkit set the fill colour itself. */
  forgetFill(): void {
    this.fill = null;
  }

  /** A new page: its content starts with the default colour and its resources with no font. */
  pageBegan(): void {
    this.fill = null;
    this.fontsOnPage.clear();
  }

  /** Hands the lines drawn so far to the current page; call before anything else writes to it or a page ends. */
  flush(): void {
    if (this.pending.length === 0) return;
    this.pending.push('');
    this.doc.page.write(Buffer.from(this.pending.join('\n'), 'latin1'));
    this.pending = [];
  }
}
