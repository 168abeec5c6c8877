import { latinWordsWithLetters } from './latin-words.ts';
import { isStopword } from './stopwords.ts';

// Turns chat prose (Markdown as models write it) into sentences a summary can quote and terms it can
// weigh. Code and URLs never become terms: they would dominate any TF-IDF vector and read badly when
// quoted. Short inline code stays readable in the quoted text ("run npm ci first") but carries no weight.

export interface ProseSentence {
  /** The sentence as it may be quoted, whitespace collapsed; cut after 1,000 characters. */
  readonly text: string;
  /** Lower-case content words (stopwords, numbers and code removed), in order, with repeats. */
  readonly terms: readonly string[];
  /** Offset of the sentence in the cleaned text it was cut from. */
  readonly offset: number;
  /** A URL or a long piece of code was cut out of it, so it may read as broken. */
  readonly elided: boolean;
}

const CODE_OPEN = '\uE000';
const CODE_CLOSE = '\uE001';
const ELIDED = '\uE002';
const QUOTABLE_INLINE_CODE_CHARS = 40;
const MAX_SENTENCE_CHARS = 1_000;

// Every pattern below runs in time linear in its input: no quantified part may scan over the place where another
// match could start (a `[` for links, a `<` for tags), and scans that could run to the end of a line on every start
// (emphasis) are bounded. test/analysis/prose-text.test.ts feeds each one the runs that made the old patterns
// quadratic.
const fencedBlock = /^[ \t]{0,3}(`{3,}|~{3,})[^\n]*(?:\n[\s\S]*?(?:\n[ \t]{0,3}\1[`~]*[ \t]*(?=\n|$)|$(?![\s\S]))|$(?![\s\S]))/gm;
// Starts only at the first backtick of a run and never gives part of the run back.
const inlineCode = /(?<!`)(`+)(?=[^`\n])([^`\n]+?)\1(?!`)/g;
const markdownImage = /!\[[^[\]\n]*\]\([^[\]()\n]*\)/g;
const markdownLink = /\[([^[\]\n]*)\]\([^[\]()\n]*\)/g;
// The scheme is bounded so that a long run of letters costs linear time, not quadratic.
const bareUrl = /\b(?:[a-z][a-z0-9+.-]{0,31}:\/\/|www\.)[^\s<>()]*[^\s<>().,;:!?'"]/giu;
const htmlTag = /<\/?[a-z][^<>\n]*>/gi;
const tableOrRuleLine = /^[ \t]*(?:\|.*|[-*_=]{3,}[ \t]*)$/gm;
const lineMarker = /^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,3}[.)][ \t]+)+/gm;
// Emphasis longer than a quotable sentence keeps its markers: the bound keeps a line of unclosed `**a ` linear.
const emphasis = /(\*\*|__|~~)(?=\S)([^\n]{0,400}?\S)\1/g;
const privateMarkers = /[\uE000-\uE002]/g;

/** Removes fenced code, URLs, HTML tags, tables and Markdown markers; marks inline code and cuts. */
export function cleanProse(text: string): string {
  return text
    .replace(privateMarkers, '')
    .replace(/\r\n?/g, '\n')
    .replace(fencedBlock, '\n')
    .replace(inlineCode, (_match, _ticks: string, code: string) =>
      code.length <= QUOTABLE_INLINE_CODE_CHARS ? `${CODE_OPEN}${code.trim()}${CODE_CLOSE}` : ELIDED,
    )
    .replace(markdownImage, ELIDED)
    .replace(markdownLink, '$1')
    .replace(bareUrl, ELIDED)
    .replace(htmlTag, ' ')
    .replace(tableOrRuleLine, '')
    .replace(lineMarker, '')
    .replace(emphasis, '$2');
}

// A fixed locale keeps segmentation independent of the machine's default locale; the root rules
// (plus ICU dictionaries for Chinese, Japanese, Thai...) do not depend on it otherwise.
const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

const markedCode = /\uE000[^\uE001]*\uE001/g;
const letter = /\p{L}/u;
const letters = /\p{L}/gu;
const nonSpace = /\S/gu;
const codeLikeEnding = /[{};=]\s*$/;
// Base64, hashes, minified code and long paths: no prose word is 60 characters long.
const unbrokenRun = /\S{60}/;
const cjkWord = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;
const elision = /^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)'(.+)$/;

/** Content terms of a piece of cleaned prose: words minus stopwords, numbers, single Latin letters and code. */
export function contentTerms(cleaned: string): string[] {
  const terms: string[] = [];
  const text = cleaned.replace(markedCode, ' ');
  for (const segment of latinWordsWithLetters(text) ?? wordsWithLetters(text)) {
    let word = segment.normalize('NFC').toLowerCase().replace(/[\u2019\u02bc]/g, "'");
    word = elision.exec(word)?.[1] ?? word;
    if (isStopword(word)) continue;
    if (word.length < 2 && !cjkWord.test(word)) continue;
    terms.push(word);
  }
  return terms;
}

/** The word-like segments of `text` that hold a letter, by Intl.Segmenter. */
function wordsWithLetters(text: string): string[] {
  const words: string[] = [];
  for (const { segment, isWordLike } of wordSegmenter.segment(text)) if (isWordLike && letter.test(segment)) words.push(segment);
  return words;
}

/** Sentences of cleaned prose with their terms, starting at `fromOffset`. Stops once `visit` returns false. */
export function forEachSentence(
  cleaned: string,
  visit: (sentence: ProseSentence) => boolean | void,
  fromOffset = 0,
): void {
  const source = fromOffset > 0 ? cleaned.slice(fromOffset) : cleaned;
  for (const { segment, index } of sentenceSegmenter.segment(source)) {
    // A run-on "sentence" (a pasted log line, a prompt without punctuation) is only ever quoted cut
    // short, so only its start is kept and weighed.
    const head = segment.length > MAX_SENTENCE_CHARS ? segment.slice(0, MAX_SENTENCE_CHARS) : segment;
    const quotable = head
      .replace(privateMarkers, '')
      .replace(/\s+/g, ' ')
      .replace(/ ([.,])/g, '$1')
      .trim();
    if (quotable === '') continue;
    const sentence = {
      text: quotable,
      terms: contentTerms(head),
      offset: fromOffset + index,
      elided: segment.includes(ELIDED),
    };
    if (visit(sentence) === false) return;
  }
}

/** Whether a sentence reads as prose rather than leftover code, data or noise. */
export function looksLikeProse(text: string): boolean {
  const nonSpaceCount = text.match(nonSpace)?.length ?? 0;
  const letterCount = text.match(letters)?.length ?? 0;
  return (
    nonSpaceCount > 0 &&
    letterCount / nonSpaceCount >= 0.6 &&
    !codeLikeEnding.test(text) &&
    !unbrokenRun.test(text)
  );
}
