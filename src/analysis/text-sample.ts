// What the summary, the analysis and the search document take from one very long message: its first and last
// `maxChars / 2` characters around a gap line, so that the work and memory one message may cause stay bounded while
// the export keeps the whole message.

const GAP = '\n\n…\n\n';

/** `text` when it fits in `maxChars`, otherwise its head and tail joined by a gap line; never splits a surrogate pair. */
export function sampleText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.max(1, Math.floor((maxChars - GAP.length) / 2));
  let headEnd = half;
  if (isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd--;
  let tailStart = text.length - half;
  if (isLowSurrogate(text.charCodeAt(tailStart))) tailStart++;
  return detached(`${text.slice(0, headEnd)}${GAP}${text.slice(tailStart)}`);
}

// V8 keeps a slice as a view of the whole string it was cut from: a sample kept for the rest of the job would keep
// the megabyte message alive with it. A copy through UTF-16 bytes (lone surrogates included) owns its characters.
function detached(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
