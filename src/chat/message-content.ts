import { z } from 'zod';
import { isRecord, readMessageParts, type MessagePart, type ToolPartVariant, type ToolStatus } from './message-part.ts';

// The text a message carries and the facts the analysis counts, taken from its read parts.

export interface ToolCallSummary {
  readonly name: string;
  readonly status: ToolStatus;
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

const callToolResultSchema = z.object({
  content: z.array(z.unknown()),
  structuredContent: z.unknown().optional(),
});

const TOOL_COUNT_KEYS: Record<ToolPartVariant, string> = { static: 'tool-*', dynamic: 'dynamic-tool', legacy: 'tool-invocation' };

/** Extracts the text and the countable facts of one message's stored `parts` (any value; null = empty). */
export function extractMessageContent(parts: unknown): MessageContent {
  return contentOfParts(readMessageParts(parts));
}

/** The content of parts already read by `readMessageParts`. */
export function contentOfParts(parts: readonly MessagePart[]): MessageContent {
  const text: string[] = [];
  const prose: string[] = [];
  const partTypes = new Map<string, number>();
  const skippedTypes = new Map<string, number>();
  const toolCalls: ToolCallSummary[] = [];
  const files: FileReference[] = [];
  const sources: SourceReference[] = [];
  let skippedParts = 0;
  let hasReasoning = false;
  let ingestionPreviews = 0;
  const addText = (piece: string) => {
    if (piece.trim() !== '') text.push(piece);
  };
  const tally = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

  for (const part of parts) {
    switch (part.kind) {
      case 'unknown':
        skippedParts++;
        tally(skippedTypes, part.type);
        continue;
      case 'text':
        tally(partTypes, 'text');
        addText(part.text);
        if (part.preview) ingestionPreviews++;
        else if (part.text.trim() !== '') prose.push(part.text);
        continue;
      case 'reasoning':
        tally(partTypes, 'reasoning');
        hasReasoning = true;
        addText(part.text);
        continue;
      case 'step-start':
        tally(partTypes, 'step-start');
        continue;
      case 'file':
        tally(partTypes, 'file');
        files.push({
          filename: part.filename,
          mediaType: part.mediaType,
          url: part.url !== null && !part.url.startsWith('data:') ? part.url : null,
        });
        if (part.filename !== null) addText(part.filename);
        continue;
      case 'source':
        tally(partTypes, part.type);
        sources.push({ title: part.title, url: part.url });
        addText(part.title ?? part.url ?? '');
        continue;
      case 'tool':
        tally(partTypes, TOOL_COUNT_KEYS[part.variant]);
        toolCalls.push({ name: part.toolName, status: part.status, legacy: part.variant === 'legacy' });
        addText(jsonText(part.input));
        addText(toolOutputText(part.output));
        if (part.errorText !== null) addText(part.errorText);
        continue;
    }
  }
  return {
    text: text.join('\n\n'),
    prose: prose.join('\n\n'),
    partTypes: Object.fromEntries(partTypes),
    skippedParts,
    skippedTypes: Object.fromEntries(skippedTypes),
    toolCalls,
    files,
    sources,
    hasReasoning,
    ingestionPreviews,
  };
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
      pieces.push(stringOrEmpty(item['resource']['text']) || stringOrEmpty(item['resource']['uri']));
    } else if (item['type'] === 'resource_link') {
      pieces.push(stringOrEmpty(item['name']) || stringOrEmpty(item['uri']));
    }
  }
  if (pieces.length === 0 && callToolResult.data.structuredContent !== undefined) {
    pieces.push(jsonText(callToolResult.data.structuredContent));
  }
  return pieces.filter((piece) => piece !== '').join('\n');
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
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
