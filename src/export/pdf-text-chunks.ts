// pdfkit lays a text out in one synchronous call and breaks a word that does not fit a line by measuring ever longer
// prefixes of it: a 16,000-character word took 9 s and a 64,000-character one ran out of a 4 GB heap. Text handed to
// it is therefore cut here into chunks of whole lines (so the renderer can pause between them), and runs without a
// break opportunity are broken into lines of at most MAX_UNBROKEN_CHARS first. Everything stays linear in the text.
// Only text in the embedded fonts still reaches pdfkit's wrapping: standard-font text is broken by
// standard-line-breaks.ts and drawn by standard-text-painter.ts.

/** Longer unbroken runs are cut into lines of this many characters (about a line of body text). */
export const MAX_UNBROKEN_CHARS = 60;
/** Characters per chunk: a few milliseconds of pdfkit layout. */
export const PDF_CHUNK_CHARS = 1_000;

const breakable = /[\s\-‐–—/]/u;

export interface PdfTextChunk {
  readonly text: string;
  /** The chunk ends inside a line: the next one continues it (pdfkit's `continued`). */
  readonly continued: boolean;
}

/** The chunks of `text` to lay out one after the other; each ends at a line end, or at a space inside a long line. */
export function* pdfTextChunks(text: string, chunkChars = PDF_CHUNK_CHARS): Generator<PdfTextChunk> {
  const broken = breakLongRuns(text);
  let start = 0;
  while (start < broken.length) {
    let end = start + chunkChars;
    if (end >= broken.length) {
      yield { text: broken.slice(start), continued: false };
      return;
    }
    const lineEnd = broken.lastIndexOf('\n', end);
    if (lineEnd > start) {
      yield { text: broken.slice(start, lineEnd), continued: false };
      start = lineEnd + 1;
      continue;
    }
    const space = broken.lastIndexOf(' ', end);
    if (space > start) end = space + 1;
    else if (isLowSurrogate(broken.charCodeAt(end))) end--;
    yield { text: broken.slice(start, end), continued: true };
    start = end;
  }
}

/** Inserts a line break into every run of more than MAX_UNBROKEN_CHARS characters without a break opportunity. */
export function breakLongRuns(line: string): string {
  if (line.length <= MAX_UNBROKEN_CHARS) return line;
  const out: string[] = [];
  let run = 0;
  let from = 0;
  for (let index = 0; index < line.length; index++) {
    if (breakable.test(line[index]!)) {
      run = 0;
      continue;
    }
    run++;
    // Never between the halves of a surrogate pair.
    if (run > MAX_UNBROKEN_CHARS && !isLowSurrogate(line.charCodeAt(index))) {
      out.push(line.slice(from, index));
      from = index;
      run = 1;
    }
  }
  out.push(line.slice(from));
  return out.join('\n');
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
