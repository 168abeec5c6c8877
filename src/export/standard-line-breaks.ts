import type { StandardFontMetrics } from './standard-font-metrics.ts';
import { winAnsiByte } from './win-ansi.ts';

/** One line of a paragraph: `text.slice(start, end)`, `width` in 1/1000 em (kerning included, as drawn). */
export interface LineSpan {
  readonly start: number;
  readonly end: number;
  readonly width: number;
}

const SPACE = 0x20;

/** A line may end right after one of these inside a word (hyphen, en and em dash, slash). */
function breaksAfter(code: number): boolean {
  return code === 0x2d || code === 0x2013 || code === 0x2014 || code === 0x2f;
}

/**
 * Greedy line breaking of one paragraph (no line feed) of text the standard fonts can encode, in one linear pass:
 * a line ends before a word that would overflow it, the spaces between the two dropped (they are neither drawn at the
 * end of a line nor at the start of the next); it may also end after a hyphen, dash or slash inside a word. A word
 * wider than a whole line is cut where it overflows (at least one character per line). `firstWidth` is the room on
 * the first line (less than `width` when the paragraph continues a line begun by other text: then the first line may
 * stay empty rather than cut a word that fits a whole line). Widths are in 1/1000 em of the font's size. An empty
 * paragraph is one empty line; spaces that open a paragraph (indented code) or end it are kept.
 */
export function breakLines(text: string, metrics: StandardFontMetrics, firstWidth: number, width: number): LineSpan[] {
  const { widths, kerning } = metrics;
  const length = text.length;
  const lines: LineSpan[] = [];
  if (length === 0) {
    lines.push({ start: 0, end: 0, width: 0 });
    return lines;
  }
  let start = 0;
  let room = firstWidth;
  for (;;) {
    let lineWidth = 0;
    let previous = -1;
    // The end of the last drawn character, and the best break seen so far.
    let contentEnd = start;
    let contentWidth = 0;
    let breakEnd = -1;
    let breakWidth = 0;
    let breakNext = -1;
    let index = start;
    let broke = false;
    for (; index < length; index++) {
      const code = text.charCodeAt(index);
      const byte = winAnsiByte(code);
      if (byte < 0) throw new Error(`U+${code.toString(16).padStart(4, '0')} is not in the standard fonts' encoding`);
      const advance = widths[byte]! + (previous >= 0 ? kerning[previous * 256 + byte]! : 0);
      if (code === SPACE) {
        lineWidth += advance;
        previous = byte;
        continue;
      }
      if (index > start && text.charCodeAt(index - 1) === SPACE && contentEnd > start) {
        breakEnd = contentEnd;
        breakWidth = contentWidth;
        breakNext = index;
      }
      if (lineWidth + advance > room && (index > start || room < width)) {
        if (breakNext > start) {
          lines.push({ start, end: breakEnd, width: breakWidth });
          start = breakNext;
        } else if (room < width) {
          // A continued first line too short for the next word: it goes on the next line whole.
          lines.push({ start, end: start, width: 0 });
        } else {
          lines.push({ start, end: contentEnd, width: contentWidth });
          start = index;
        }
        broke = true;
        break;
      }
      lineWidth += advance;
      previous = byte;
      contentEnd = index + 1;
      contentWidth = lineWidth;
      if (breaksAfter(code) && index + 1 < length && text.charCodeAt(index + 1) !== SPACE) {
        breakEnd = contentEnd;
        breakWidth = contentWidth;
        breakNext = index + 1;
      }
    }
    room = width;
    if (!broke) {
      // Trailing spaces stay: a run continued by another one (a label and its value) keeps its gap.
      lines.push({ start, end: length, width: lineWidth });
      return lines;
    }
  }
}
