import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { createGlyphFilter } from './glyph-filter.ts';

/** The typefaces an export uses, all DejaVu (wide Latin, Greek and Cyrillic coverage; no CJK, no colour emoji). */
export type PdfFace = 'regular' | 'bold' | 'italic' | 'mono';

export interface PdfFont {
  data: Buffer;
  /** Makes text drawable with this face (see createGlyphFilter). */
  fit: (text: string) => string;
}

const files: Record<PdfFace, string> = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  italic: 'DejaVuSans-Oblique.ttf',
  mono: 'DejaVuSansMono.ttf',
};

let loaded: Record<PdfFace, PdfFont> | null = null;

function loadFont(file: string): PdfFont {
  const path = createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${file}`);
  const data = readFileSync(path);
  const font = fontkit.create(data);
  if (!('hasGlyphForCodePoint' in font)) throw new Error(`${file} is a font collection, expected a single font`);
  return { data, fit: createGlyphFilter((codePoint) => font.hasGlyphForCodePoint(codePoint)) };
}

/** The embedded fonts, read once per process (about 2 MB) and shared by every export. */
export function pdfFonts(): Record<PdfFace, PdfFont> {
  loaded ??= {
    regular: loadFont(files.regular),
    bold: loadFont(files.bold),
    italic: loadFont(files.italic),
    mono: loadFont(files.mono),
  };
  return loaded;
}
