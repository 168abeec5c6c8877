import { z } from 'zod';

// Reads one chat_message.parts value (AI SDK v5 UIMessage parts, legacy v4 parts, or anything else a
// row may hold) into the text a message carries and the facts the analysis counts. Nothing in a row
// is trusted: an odd element is skipped and counted, never thrown on.

export type ToolCallStatus = 'ok' | 'error' | 'incomplete';

export interface ToolCallSummary {
  readonly name: string;
  /** `incomplete`: no output was stored (still streaming, awaiting approval, or interrupted). */
  readonly status: ToolCallStatus;
  /** Written as an AI SDK v4 `tool-invocation` part. */
  readonly legacy: boolean;
}

export interface FileReference {
  readonly filename: string | null;
  readonly mediaType: string | null;
  /** Null for inline `data:` URLs and legacy inline data, which are content, not references. */
  readonly url: string | null;
}

export interface SourceReference {
  readonly title: string | null;
  readonly url: string | null;
}

export interface MessageContent {
  /**
   * Every text-like piece in part order, joined by blank lines: prompts, answers, ingestion previews,
   * reasoning, tool input / output / error text, file names and source titles. Tokens are counted
   * and search documents built on this.
   */
  readonly text: string;
  /** What the user typed or the assistant answered: text parts without ingestion previews. */
  readonly prose: string;
  /** Parts read, by type; every `tool-<name>` part counts under `tool-*`. */
  readonly partTypes: Readonly<Record<string, number>>;
  /** Elements that could not be read: unknown types, malformed parts, null or non-object elements. */
  readonly skippedParts: number;
  /** Skipped elements by type (`(no type)` when the element has none). */
  readonly skippedTypes: Readonly<Record<string, number>>;
  readonly toolCalls: readonly ToolCallSummary[];
  readonly files: readonly FileReference[];
  readonly sources: readonly SourceReference[];
  readonly hasReasoning: boolean;
  readonly ingestionPreviews: number;
}

const TOOL_PREFIX = 'tool-';
const MAX_NAME_CHARS = 128;

const callToolResultSchema = z.object({
  content: z.array(z.unknown()),
  isError: z.boolean().optional().catch(undefined),
  structuredContent: z.unknown().optional(),
});

const legacyToolInvocationSchema = z.object({
  toolName: z.string().min(1),
  state: z.string().optional().catch(undefined),
  args: z.unknown().optional(),
  result: z.unknown().optional(),
});

type UnknownRecord = Record<string, unknown>;

class ContentCollector {
  readonly text: string[] = [];
  readonly prose: string[] = [];
  readonly partTypes = new Map<string, number>();
  readonly skippedTypes = new Map<string, number>();
  skippedParts = 0;
  readonly toolCalls: ToolCallSummary[] = [];
  readonly files: FileReference[] = [];
  readonly sources: SourceReference[] = [];
  hasReasoning = false;
  ingestionPreviews = 0;

  addText(piece: string): void {
    if (piece.trim() !== '') this.text.push(piece);
  }

  read(type: string): void {
    this.partTypes.set(type, (this.partTypes.get(type) ?? 0) + 1);
  }

  skip(type: string): void {
    this.skippedParts++;
    const key = safeKey(type);
    this.skippedTypes.set(key, (this.skippedTypes.get(key) ?? 0) + 1);
  }
}

/** Extracts the text and the countable facts of one message's `parts` (any value; null = empty). */
export function extractMessageContent(parts: unknown): MessageContent {
  const collector = new ContentCollector();
  if (Array.isArray(parts)) {
    for (const part of parts) readPart(part, collector);
  } else if (parts !== null && parts !== undefined) {
    collector.skip('(not an array)');
  }
  return {
    text: collector.text.join('\n\n'),
    prose: collector.prose.join('\n\n'),
    partTypes: Object.fromEntries(collector.partTypes),
    skippedParts: collector.skippedParts,
    skippedTypes: Object.fromEntries(collector.skippedTypes),
    toolCalls: collector.toolCalls,
    files: collector.files,
    sources: collector.sources,
    hasReasoning: collector.hasReasoning,
    ingestionPreviews: collector.ingestionPreviews,
  };
}

function readPart(part: unknown, collector: ContentCollector): void {
  if (!isRecord(part)) {
    collector.skip(part === null ? '(null)' : '(not an object)');
    return;
  }
  const type = part['type'];
  if (typeof type !== 'string' || type === '') {
    collector.skip('(no type)');
    return;
  }
  switch (type) {
    case 'text':
      return readText(part, collector);
    case 'reasoning':
      return readReasoning(part, collector);
    case 'step-start':
      return collector.read(type);
    case 'file':
      return readFile(part, collector);
    case 'source-url':
    case 'source-document':
    case 'source':
      return readSource(type, part, collector);
    case 'tool-invocation':
      return readLegacyToolInvocation(part, collector);
    case 'dynamic-tool':
      return readToolPart(type, nameOf(part['toolName']) ?? type, part, collector);
    default:
      if (type.startsWith(TOOL_PREFIX) && type.length > TOOL_PREFIX.length) {
        return readToolPart('tool-*', nameOf(type.slice(TOOL_PREFIX.length))!, part, collector);
      }
      collector.skip(type);
  }
}

function readText(part: UnknownRecord, collector: ContentCollector): void {
  const text = looseText(part['text']);
  collector.read('text');
  collector.addText(text);
  if (part['ingestionPreview'] === true) {
    collector.ingestionPreviews++;
  } else if (typeof part['text'] === 'string' && text.trim() !== '') {
    collector.prose.push(text);
  }
}

function readReasoning(part: UnknownRecord, collector: ContentCollector): void {
  collector.read('reasoning');
  collector.hasReasoning = true;
  // v5 keeps the thinking in `text`, v4 in `reasoning`.
  collector.addText(looseText(part['text'] ?? part['reasoning']));
}

function readFile(part: UnknownRecord, collector: ContentCollector): void {
  collector.read('file');
  const filename = stringOrNull(part['filename']) ?? stringOrNull(part['name']);
  const url = stringOrNull(part['url']);
  collector.files.push({
    filename,
    mediaType: stringOrNull(part['mediaType']) ?? stringOrNull(part['mimeType']),
    url: url !== null && !url.startsWith('data:') ? url : null,
  });
  if (filename !== null) collector.addText(filename);
}

function readSource(type: string, part: UnknownRecord, collector: ContentCollector): void {
  // v4 nests the source: {type:'source', source:{sourceType:'url', url, title}}.
  const source = type === 'source' && isRecord(part['source']) ? part['source'] : part;
  const title = stringOrNull(source['title']) ?? stringOrNull(source['filename']);
  const url = stringOrNull(source['url']);
  if (title === null && url === null) {
    collector.skip(type);
    return;
  }
  collector.read(type);
  collector.sources.push({ title, url });
  collector.addText(title ?? url ?? '');
}

function readToolPart(countAs: string, name: string, part: UnknownRecord, collector: ContentCollector): void {
  collector.read(countAs);
  const state = part['state'];
  const output = part['output'];
  const errorText = stringOrNull(part['errorText']);
  let status: ToolCallStatus;
  if (state === 'output-error' || (errorText !== null && errorText !== '')) status = 'error';
  else if (state === 'output-available' || output !== undefined) status = isErrorResult(output) ? 'error' : 'ok';
  else status = 'incomplete';
  collector.toolCalls.push({ name, status, legacy: false });
  collector.addText(jsonText(part['input']));
  collector.addText(toolOutputText(output));
  if (errorText !== null) collector.addText(errorText);
}

function readLegacyToolInvocation(part: UnknownRecord, collector: ContentCollector): void {
  const parsed = legacyToolInvocationSchema.safeParse(part['toolInvocation']);
  if (!parsed.success) {
    collector.skip('tool-invocation');
    return;
  }
  const invocation = parsed.data;
  collector.read('tool-invocation');
  // v4 stored only successful results (state 'result'); a failed call threw and left 'call'.
  const status: ToolCallStatus =
    invocation.state === 'result' ? (isErrorResult(invocation.result) ? 'error' : 'ok') : 'incomplete';
  collector.toolCalls.push({ name: nameOf(invocation.toolName)!, status, legacy: true });
  collector.addText(jsonText(invocation.args));
  collector.addText(toolOutputText(invocation.result));
}

function isErrorResult(output: unknown): boolean {
  return isRecord(output) && output['isError'] === true;
}

/**
 * The readable text of a tool output. An MCP CallToolResult contributes its text items (whose `text`
 * may already be a parsed JSON object) and resource texts; images and audio are base64, not text.
 */
function toolOutputText(output: unknown): string {
  if (output === undefined || output === null) return '';
  if (typeof output === 'string') return output;
  const callToolResult = callToolResultSchema.safeParse(output);
  if (!callToolResult.success) return jsonText(output);
  const pieces: string[] = [];
  for (const item of callToolResult.data.content) {
    if (!isRecord(item)) continue;
    if (item['type'] === 'text') pieces.push(looseText(item['text']));
    else if (item['type'] === 'resource' && isRecord(item['resource'])) {
      pieces.push(stringOrNull(item['resource']['text']) ?? stringOrNull(item['resource']['uri']) ?? '');
    } else if (item['type'] === 'resource_link') {
      pieces.push(stringOrNull(item['name']) ?? stringOrNull(item['uri']) ?? '');
    }
  }
  if (pieces.length === 0 && callToolResult.data.structuredContent !== undefined) {
    pieces.push(jsonText(callToolResult.data.structuredContent));
  }
  return pieces.filter((piece) => piece !== '').join('\n');
}

function isRecord(value: unknown): value is UnknownRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A string as is; numbers and booleans printed; objects and arrays as JSON; nothing else. */
function looseText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null) return jsonText(value);
  return '';
}

function jsonText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // BigInt or a cycle: cannot come from a JSON column, but a caller may hand anything.
    return '';
  }
}

function nameOf(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.length > MAX_NAME_CHARS ? value.slice(0, MAX_NAME_CHARS) : value;
}

/** Type names from a row become object keys: keep them short and never a prototype accessor. */
function safeKey(name: string): string {
  const short = name.length > 64 ? name.slice(0, 64) : name;
  return short === '__proto__' ? '(__proto__)' : short;
}
