// The words of a Latin text, the way Intl.Segmenter (granularity 'word') cuts them, without its cost: ICU builds a
// segment object per word and per gap, which made word segmentation most of the summary's CPU time. Only text made
// of ASCII, Latin-1 (without the soft hyphen), typographic quotes, dashes and the ellipsis is cut here, by the Unicode
// word-boundary rules (UAX #29) those characters can meet; any other text is left to Intl.Segmenter.
// test/analysis/latin-words.test.ts checks the segments against Intl.Segmenter on corpora and random strings.

// Word-boundary classes of the characters handled here (UAX #29 names).
const Kind = {
  Other: 0,
  Letter: 1,
  Numeric: 2,
  /** `_`: joins letters and digits on either side. */
  ExtendNumLet: 3,
  /** `:` and `·`: inside a word between letters. */
  MidLetter: 4,
  /** `.`, `'`, `‘` and `’`: between letters or between digits. */
  MidNumLet: 5,
  /** `,` and `;`: between digits only. */
  MidNum: 6,
  Space: 7,
  LineBreak: 8,
  CarriageReturn: 9,
  LineFeed: 10,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const LEFT_SINGLE_QUOTE = 0x2018;
const RIGHT_SINGLE_QUOTE = 0x2019;

const LATIN_KINDS: Uint8Array = (() => {
  const kinds = new Uint8Array(0x100);
  const set = (from: number, to: number, kind: Kind) => kinds.fill(kind, from, to + 1);
  set(0x41, 0x5a, Kind.Letter);
  set(0x61, 0x7a, Kind.Letter);
  set(0xaa, 0xaa, Kind.Letter);
  set(0xb5, 0xb5, Kind.Letter);
  set(0xba, 0xba, Kind.Letter);
  set(0xc0, 0xd6, Kind.Letter);
  set(0xd8, 0xf6, Kind.Letter);
  set(0xf8, 0xff, Kind.Letter);
  set(0x30, 0x39, Kind.Numeric);
  set(0x5f, 0x5f, Kind.ExtendNumLet);
  set(0x3a, 0x3a, Kind.MidLetter);
  set(0xb7, 0xb7, Kind.MidLetter);
  set(0x2e, 0x2e, Kind.MidNumLet);
  set(0x27, 0x27, Kind.MidNumLet);
  set(0x2c, 0x2c, Kind.MidNum);
  set(0x3b, 0x3b, Kind.MidNum);
  set(0x20, 0x20, Kind.Space);
  set(0x0b, 0x0c, Kind.LineBreak);
  set(0x85, 0x85, Kind.LineBreak);
  set(0x0d, 0x0d, Kind.CarriageReturn);
  set(0x0a, 0x0a, Kind.LineFeed);
  return kinds;
})();

const SOFT_HYPHEN = 0xad;
/** Typographic punctuation of Western prose that never joins a word: dashes, double quotes, ellipsis, euro sign. */
const PUNCTUATION_OUTSIDE_WORDS: ReadonlySet<number> = new Set([0x2013, 0x2014, 0x201c, 0x201d, 0x2026, 0x20ac]);

/** The kinds of the text's characters, or undefined when one is outside the characters handled here. */
function kindsOf(text: string): Uint8Array | undefined {
  const kinds = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x100) {
      if (code === SOFT_HYPHEN) return undefined;
      kinds[i] = LATIN_KINDS[code]!;
    } else if (code === LEFT_SINGLE_QUOTE || code === RIGHT_SINGLE_QUOTE) {
      kinds[i] = Kind.MidNumLet;
    } else if (PUNCTUATION_OUTSIDE_WORDS.has(code)) {
      kinds[i] = Kind.Other;
    } else {
      return undefined;
    }
  }
  return kinds;
}

const isLineBreak = (kind: number) => kind === Kind.LineBreak || kind === Kind.CarriageReturn || kind === Kind.LineFeed;
const midLetter = (kind: number) => kind === Kind.MidLetter || kind === Kind.MidNumLet;
const midNumber = (kind: number) => kind === Kind.MidNum || kind === Kind.MidNumLet;

/** Whether a word boundary lies between the characters at `i - 1` and `i` (UAX #29, rules WB3 to WB13b). */
function breaksBefore(kinds: Uint8Array, i: number): boolean {
  const before = kinds[i - 1]!;
  const after = kinds[i]!;
  if (before === Kind.CarriageReturn && after === Kind.LineFeed) return false;
  if (isLineBreak(before) || isLineBreak(after)) return true;
  if (before === Kind.Space && after === Kind.Space) return false;
  if (before === Kind.Letter && midLetter(after) && kinds[i + 1] === Kind.Letter) return false;
  if (midLetter(before) && after === Kind.Letter && kinds[i - 2] === Kind.Letter) return false;
  if ((before === Kind.Numeric || before === Kind.Letter) && (after === Kind.Numeric || after === Kind.Letter)) return false;
  if (midNumber(before) && after === Kind.Numeric && kinds[i - 2] === Kind.Numeric) return false;
  if (before === Kind.Numeric && midNumber(after) && kinds[i + 1] === Kind.Numeric) return false;
  if (after === Kind.ExtendNumLet && (before === Kind.Letter || before === Kind.Numeric || before === Kind.ExtendNumLet)) return false;
  if (before === Kind.ExtendNumLet && (after === Kind.Letter || after === Kind.Numeric)) return false;
  return true;
}

/**
 * The segments of `text` that hold a letter — the word-like ones — in order, as Intl.Segmenter('en', {granularity:
 * 'word'}) cuts them; undefined when the text holds a character this file does not handle.
 */
export function latinWordsWithLetters(text: string): string[] | undefined {
  const kinds = kindsOf(text);
  if (!kinds) return undefined;
  const words: string[] = [];
  let start = 0;
  let hasLetter = kinds.length > 0 && kinds[0] === Kind.Letter;
  for (let i = 1; i <= kinds.length; i++) {
    if (i === kinds.length || breaksBefore(kinds, i)) {
      if (hasLetter) words.push(text.slice(start, i));
      start = i;
      hasLetter = false;
    }
    if (kinds[i] === Kind.Letter) hasLetter = true;
  }
  return words;
}
