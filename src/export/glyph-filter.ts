/** Placeholder for a character the font cannot draw; it exists in every font the exports embed. */
export const MISSING_GLYPH = '□';

const ignorable = /^[\p{Default_Ignorable_Code_Point}]$/u;
const controls = /[\p{Cc}]/gu;
const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** NFC (so accents use precomposed glyphs), one kind of line break, tabs as spaces, control characters dropped. */
export function normalizeForDrawing(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replaceAll('\t', '    ')
    .replace(controls, (c) => (c === '\n' ? c : ''));
}

/**
 * Makes text drawable with one font: normalized (normalizeForDrawing), invisible joiners/selectors the font lacks
 * dropped, and any other grapheme (emoji, CJK…) with a character the font lacks replaced by one MISSING_GLYPH, so a
 * font's .notdef box never reaches the page.
 */
export function createGlyphFilter(hasGlyph: (codePoint: number) => boolean): (text: string) => string {
  const known = new Map<number, boolean>();
  const drawable = (codePoint: number): boolean => {
    let answer = known.get(codePoint);
    if (answer === undefined) {
      answer = hasGlyph(codePoint);
      known.set(codePoint, answer);
    }
    return answer;
  };
  const allDrawable = (text: string): boolean => {
    for (const char of text) if (char !== '\n' && !drawable(char.codePointAt(0) ?? 0)) return false;
    return true;
  };

  return (raw) => {
    const text = normalizeForDrawing(raw);
    if (allDrawable(text)) return text;
    let out = '';
    for (const { segment } of segmenter.segment(text)) {
      if (segment === '\n' || allDrawable(segment)) {
        out += segment;
        continue;
      }
      let kept = '';
      let complete = true;
      for (const char of segment) {
        if (drawable(char.codePointAt(0) ?? 0)) kept += char;
        else if (!ignorable.test(char)) complete = false;
      }
      out += complete ? kept : MISSING_GLYPH;
    }
    return out;
  };
}
