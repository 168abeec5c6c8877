/**
 * Archived chat text is data written by people and tools long ago, not instructions for the agent reading it
 * now. Everything returned from the archive that holds such text is wrapped in this fence, and the server's
 * instructions and the tools' descriptions tell the agent what the fence means.
 */
export const UNTRUSTED_OPEN = '<untrusted-archived-content>';
export const UNTRUSTED_CLOSE = '</untrusted-archived-content>';

// Any spelling of the marker inside the text (case, spaces, a slash) loses its hyphens, so the text can neither
// close the fence early nor open a fake one.
const MARKER_INSIDE = /untrusted\s*-\s*archived\s*-\s*content/gi;

export function fenceUntrusted(text: string): string {
  return `${UNTRUSTED_OPEN}${neutraliseMarkers(text)}${UNTRUSTED_CLOSE}`;
}

export function fenceUntrustedOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined || text === '' ? (text ?? null) : fenceUntrusted(text);
}

export function neutraliseMarkers(text: string): string {
  return text.replace(MARKER_INSIDE, 'untrusted_archived_content');
}
