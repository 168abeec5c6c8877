// PostgreSQL can store neither NUL nor a lone UTF-16 surrogate in text or JSON: such strings are refused at the
// boundary with a clear message instead of failing deep inside a query.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Besides C0 and DEL: C1 controls, the line and paragraph separators U+2028/2029 (line breaks to JavaScript and JSON
// consumers), and the bidi embeddings, overrides and isolates U+202A–202E, U+2066–2069 (they reorder what follows, so
// a name can display as something else: "Trojan Source").
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL_BUT_LINE_BREAKS_AND_TABS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);

/** No control characters at all: archive names. */
export const isSingleLineText = (text: string): boolean => !ANY_CONTROL.test(text);

/** Line breaks and tabs allowed: descriptions, search queries. */
export const isMultiLineText = (text: string): boolean => !CONTROL_BUT_LINE_BREAKS_AND_TABS.test(text);

/** A string cut to `max` characters (an ellipsis marks the cut), never splitting a surrogate pair. */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = Array.from(text.slice(0, max)).slice(0, -1).join('');
  return `${cut}…`;
}
