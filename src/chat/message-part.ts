// The one reader of better-chatbot's `chat_message.parts` elements: AI SDK v5 UIMessage parts and the legacy v4
// parts written before the app moved to v5. Analysis, exports and the search text all consume the value it returns,
// and the SQL of the pattern analysis classifies tool parts by the same rules (test/chat/tool-part-cases.ts holds the
// cases both are tested against). Nothing in a row is trusted: an element that does not read as a part the app writes
// becomes an `unknown` part, never an exception.

/**
 * How far a tool call got. `error`: the call failed (an `output-error` state, an error text, or an MCP result flagged
 * `isError`); `no result`: the input was complete but no output was stored (awaiting approval, interrupted);
 * `incomplete`: the input was still streaming; `unknown state`: neither a known state nor an output.
 */
export type ToolStatus = 'done' | 'error' | 'no result' | 'incomplete' | 'unknown state';

/** AI SDK v5 `tool-<name>`, v5 `dynamic-tool`, or v4 `tool-invocation`. */
export type ToolPartVariant = 'static' | 'dynamic' | 'legacy';

export type MessagePart =
  | { readonly kind: 'text'; readonly text: string; readonly preview: boolean }
  | { readonly kind: 'reasoning'; readonly text: string }
  | { readonly kind: 'step-start' }
  | {
      readonly kind: 'tool';
      readonly variant: ToolPartVariant;
      readonly toolName: string;
      readonly status: ToolStatus;
      readonly input: unknown;
      readonly hasOutput: boolean;
      readonly output: unknown;
      readonly errorText: string | null;
    }
  | {
      readonly kind: 'file';
      /** As stored: a web address, or an inline `data:` URL. */
      readonly url: string | null;
      readonly mediaType: string | null;
      readonly filename: string | null;
    }
  | {
      readonly kind: 'source';
      readonly type: 'source-url' | 'source-document' | 'source';
      readonly url: string | null;
      readonly title: string | null;
    }
  | {
      readonly kind: 'unknown';
      /** The element's type, or `(null)`, `(not an object)`, `(no type)`; short and safe as an object key. */
      readonly type: string;
      readonly raw: unknown;
    };

export type ToolPart = Extract<MessagePart, { kind: 'tool' }>;

const TOOL_PREFIX = 'tool-';
/** Tool names are cut to this many code points (the SQL's `left(name, 128)` counts the same way). */
export const MAX_TOOL_NAME_CODE_POINTS = 128;
const MAX_TYPE_KEY_CHARS = 64;

type UnknownRecord = Record<string, unknown>;

/** Reads the elements of one `parts` value (any value; null and undefined read as no parts). */
export function readMessageParts(parts: unknown): MessagePart[] {
  if (parts === null || parts === undefined) return [];
  if (!Array.isArray(parts)) return [{ kind: 'unknown', type: '(not an array)', raw: parts }];
  return parts.map(readMessagePart);
}

/** Reads one stored part element into a typed part; anything the app does not write becomes `unknown`. */
export function readMessagePart(part: unknown): MessagePart {
  if (!isRecord(part)) return unknown(part === null ? '(null)' : '(not an object)', part);
  const type = part['type'];
  if (typeof type !== 'string' || type === '') return unknown('(no type)', part);
  switch (type) {
    case 'text':
      return typeof part['text'] === 'string'
        ? { kind: 'text', text: part['text'], preview: part['ingestionPreview'] === true }
        : unknown(type, part);
    case 'reasoning':
      // v5 keeps the thinking in `text`, v4 in `reasoning`; a redacted reasoning part carries neither.
      return { kind: 'reasoning', text: stringOrNull(part['text']) ?? stringOrNull(part['reasoning']) ?? '' };
    case 'step-start':
      return { kind: 'step-start' };
    case 'file':
      return {
        kind: 'file',
        url: stringOrNull(part['url']),
        mediaType: stringOrNull(part['mediaType']) ?? stringOrNull(part['mimeType']),
        filename: stringOrNull(part['filename']) ?? stringOrNull(part['name']),
      };
    case 'source-url':
    case 'source-document':
    case 'source':
      return readSource(type, part);
    case 'dynamic-tool':
      return readToolPart('dynamic', nonEmptyString(part['toolName']) ?? type, part);
    default:
      if (type === 'tool-invocation' && part['toolInvocation'] !== undefined) return readLegacyToolInvocation(part);
      // A v5 tool may itself be named "invocation": only the nested object marks a v4 part.
      if (type.startsWith(TOOL_PREFIX) && type.length > TOOL_PREFIX.length) {
        return readToolPart('static', type.slice(TOOL_PREFIX.length), part);
      }
      return unknown(type, part);
  }
}

function readSource(type: 'source-url' | 'source-document' | 'source', part: UnknownRecord): MessagePart {
  // v4 nests the source: {type:'source', source:{sourceType:'url', url, title}}.
  const source = type === 'source' && isRecord(part['source']) ? part['source'] : part;
  const title = stringOrNull(source['title']) ?? stringOrNull(source['filename']);
  const url = stringOrNull(source['url']);
  if (title === null && url === null) return unknown(type, part);
  return { kind: 'source', type, url, title };
}

function readToolPart(variant: 'static' | 'dynamic', name: string, part: UnknownRecord): ToolPart {
  const errorText = stringOrNull(part['errorText']);
  const output = part['output'];
  return {
    kind: 'tool',
    variant,
    toolName: cutToolName(name),
    status: toolStatus(part['state'], output, errorText),
    input: part['input'],
    hasOutput: output !== undefined,
    output,
    errorText,
  };
}

function readLegacyToolInvocation(part: UnknownRecord): MessagePart {
  const invocation = part['toolInvocation'];
  if (!isRecord(invocation)) return unknown('tool-invocation', part);
  const name = nonEmptyString(invocation['toolName']);
  if (name === null) return unknown('tool-invocation', part);
  const result = invocation['result'];
  return {
    kind: 'tool',
    variant: 'legacy',
    toolName: cutToolName(name),
    // v4 stored only successful results (state `result`); a failed call threw and left `call`.
    status: toolStatus(invocation['state'], result, null),
    input: invocation['args'],
    hasOutput: result !== undefined,
    output: result,
    errorText: null,
  };
}

/** The one classification of a tool call; the pattern analysis SQL (`toolCallIsError`) mirrors its `error` rule. */
export function toolStatus(state: unknown, output: unknown, errorText: string | null): ToolStatus {
  if (state === 'output-error' || (errorText !== null && errorText !== '') || isErrorResult(output)) return 'error';
  switch (state) {
    case 'output-available':
    case 'result':
      return 'done';
    case 'input-available':
    case 'call':
      return 'no result';
    case 'input-streaming':
    case 'partial-call':
      return 'incomplete';
    default:
      return output !== undefined ? 'done' : 'unknown state';
  }
}

/** An MCP CallToolResult (or any object output) flagged `isError: true`. */
function isErrorResult(output: unknown): boolean {
  return isRecord(output) && output['isError'] === true;
}

function cutToolName(name: string): string {
  if (name.length <= MAX_TOOL_NAME_CODE_POINTS) return name;
  let end = 0;
  for (let points = 0; points < MAX_TOOL_NAME_CODE_POINTS && end < name.length; points++) {
    end += name.codePointAt(end)! > 0xffff ? 2 : 1;
  }
  return name.slice(0, end);
}

function unknown(type: string, raw: unknown): MessagePart {
  return { kind: 'unknown', type: safeKey(type), raw };
}

/** Type names from a row become object keys in the analysis: keep them short and never a prototype accessor. */
function safeKey(name: string): string {
  const short = name.length > MAX_TYPE_KEY_CHARS ? name.slice(0, MAX_TYPE_KEY_CHARS) : name;
  return short === '__proto__' ? '(__proto__)' : short;
}

export function isRecord(value: unknown): value is UnknownRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
