import { describe, expect, it } from 'vitest';
import { createGlyphFilter, MISSING_GLYPH } from '../../src/export/glyph-filter.ts';

// A font with Latin-1, the combining acute accent and the placeholder only.
const latinOnly = (codePoint: number): boolean => codePoint <= 0xff || codePoint === 0x301 || codePoint === 0x25a1;

describe('glyph filter', () => {
  const fit = createGlyphFilter(latinOnly);

  it('keeps text the font can draw untouched', () => {
    expect(fit('Élève à côté, garçon, über, Straße\nsecond line')).toBe('Élève à côté, garçon, über, Straße\nsecond line');
  });

  it('composes decomposed accents (NFC)', () => {
    expect(fit('e\u0301le\u0300ve')).toBe('élève');
  });

  it('replaces each unsupported grapheme by one placeholder, emoji sequences included', () => {
    expect(fit('CJK 你好 done')).toBe(`CJK ${MISSING_GLYPH}${MISSING_GLYPH} done`);
    expect(fit('family 👨‍👩‍👧 flag 🇫🇷 thumbs 👍🏽!')).toBe(`family ${MISSING_GLYPH} flag ${MISSING_GLYPH} thumbs ${MISSING_GLYPH}!`);
    expect(fit('œ')).toBe(MISSING_GLYPH);
  });

  it('drops invisible selectors and joiners the font lacks but keeps their base character', () => {
    expect(fit('©\uFE0F and a\u200Db\u200B')).toBe('© and ab');
  });

  it('drops control characters, expands tabs and normalises line ends', () => {
    expect(fit('a\u0000b\u0007c\td\r\ne\rf')).toBe('abc    d\ne\nf');
  });
});
