/** The characters outside Latin-1 that WinAnsiEncoding maps to a byte (0x80–0x9F), with their bytes. */
export const WIN_ANSI_HIGH_BYTES: ReadonlyMap<number, number> = new Map([
  [0x20ac, 0x80], [0x201a, 0x82], [0x192, 0x83], [0x201e, 0x84], [0x2026, 0x85], [0x2020, 0x86], [0x2021, 0x87],
  [0x2c6, 0x88], [0x2030, 0x89], [0x160, 0x8a], [0x2039, 0x8b], [0x152, 0x8c], [0x17d, 0x8e], [0x2018, 0x91],
  [0x2019, 0x92], [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95], [0x2013, 0x96], [0x2014, 0x97], [0x2dc, 0x98],
  [0x2122, 0x99], [0x161, 0x9a], [0x203a, 0x9b], [0x153, 0x9c], [0x17e, 0x9e], [0x178, 0x9f],
]);

// Byte by UTF-16 code unit up to the last one the encoding has (U+2122, ™), -1 where it has none: one array read
// per character in the loops that measure and encode every character of a PDF's text.
const LAST_ENCODED = 0x2122;
const BYTE_OF_CODE = new Int16Array(LAST_ENCODED + 1).fill(-1);
for (let code = 0x20; code <= 0x7e; code++) BYTE_OF_CODE[code] = code;
for (let code = 0xa0; code <= 0xff; code++) BYTE_OF_CODE[code] = code;
for (const [code, byte] of WIN_ANSI_HIGH_BYTES) BYTE_OF_CODE[code] = byte;

/** The WinAnsi byte of a UTF-16 code unit, or -1 when the standard fonts cannot draw it (line breaks excepted). */
export function winAnsiByte(code: number): number {
  return code <= LAST_ENCODED ? BYTE_OF_CODE[code]! : -1;
}

/** Whether every character of normalized text has a glyph in the standard fonts' WinAnsi encoding. */
export function winAnsiEncodable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x0a && winAnsiByte(code) < 0) return false;
  }
  return true;
}
