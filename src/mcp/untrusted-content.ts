import { randomBytes } from 'node:crypto';
import { markerSkeleton, markerSkeletonWithOffsets } from './marker-skeleton.ts';

/**
 * Archived chat text is data written by people and tools long ago, not instructions for the agent reading it
 * now. Every string of a response that comes from chat data or from a user is wrapped in this fence, and the
 * server's instructions and the tools' descriptions tell the agent what the fence means.
 *
 * The markers carry a nonce drawn for each response (one per tool call or resource read, shared by every fence of
 * that response): text written before the response cannot know it, so it cannot close the fence or open a fake one.
 */
export const MARKER_NAME = 'untrusted-archived-content';

/** How the markers look, for the server's instructions and the tools' descriptions. */
export const FENCE_SHAPE = `<${MARKER_NAME} nonce="…"> … </${MARKER_NAME} nonce="…">`;

export interface Fence {
  readonly nonce: string;
  readonly open: string;
  readonly close: string;
  /** The text inside this response's markers, every look-alike of a marker in it broken. */
  wrap(text: string): string;
  /** Null, undefined and '' stay as they are. */
  wrapOrNull(text: string | null | undefined): string | null;
}

const NONCE_BYTES = 12;

export function newFence(nonce: string = randomBytes(NONCE_BYTES).toString('hex')): Fence {
  const open = `<${MARKER_NAME} nonce="${nonce}">`;
  const close = `</${MARKER_NAME} nonce="${nonce}">`;
  const wrap = (text: string) => `${open}${neutraliseMarkers(text)}${close}`;
  return {
    nonce,
    open,
    close,
    wrap,
    wrapOrNull: (text) => (text === null || text === undefined || text === '' ? (text ?? null) : wrap(text)),
  };
}

// On the skeleton (see marker-skeleton.ts): the marker's three words with any run of spaces, dashes or underscores
// between them, or none. Linear: a failed attempt scans at most one run of separators.
const MARKER_IN_SKELETON = /untrusted[\s_-]*archived[\s_-]*content/g;
// What a look-alike becomes: the middle dot is no separator, so the result matches nothing.
const BROKEN_MARKER = 'untrusted·archived·content';
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Every spelling of the marker's name that reads as it — any case, zero-width or other invisible characters inside,
 * any Unicode dash or space between the words, compatibility forms (fullwidth, mathematical letters), accents,
 * Cyrillic and Greek look-alike letters — is replaced by BROKEN_MARKER, so the text can neither close the fence nor
 * open a fake one, whatever the nonce it guesses. Linear in the text's length.
 */
export function neutraliseMarkers(text: string): string {
  const skeleton = markerSkeleton(text);
  if (skeleton.search(MARKER_IN_SKELETON) < 0) return text;
  // ASCII text folds one unit to one unit: its skeleton's offsets are its own.
  const { folded, origin } = ASCII_ONLY.test(text) ? { folded: skeleton, origin: undefined } : markerSkeletonWithOffsets(text);
  const at = (unit: number) => (origin ? origin[unit]! : unit);
  const endOf = (unit: number) => at(unit) + ((text.codePointAt(at(unit)) ?? 0) > 0xffff ? 2 : 1);
  let out = '';
  let copied = 0;
  for (const match of folded.matchAll(MARKER_IN_SKELETON)) {
    const from = Math.max(at(match.index), copied);
    out += text.slice(copied, from) + BROKEN_MARKER;
    copied = endOf(match.index + match[0].length - 1);
  }
  return out + text.slice(copied);
}
