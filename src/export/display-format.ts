import type { MessageMetadata } from '../chat/message-metadata.ts';

/** `2025-06-12 14:03:05 UTC`: stored timestamps are UTC, and exports say so. */
export function formatUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'unknown time';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function roleLabel(role: string): string {
  switch (role) {
    case 'user':
      return 'User';
    case 'assistant':
      return 'Assistant';
    case 'system':
      return 'System';
    default:
      return role === '' ? 'Unknown role' : role;
  }
}

const countFormat = new Intl.NumberFormat('en-US');

function formatCount(value: number): string {
  return countFormat.format(value);
}

/** `1 token`, `2,052 tokens`. */
export function countOf(value: number, noun: string): string {
  return `${formatCount(value)} ${noun}${value === 1 ? '' : 's'}`;
}

/** `gpt-4.1 (openai) · usage 2,052 tokens (1,840 in, 212 out)`, or '' when the metadata says nothing. */
export function describeFacts(metadata: MessageMetadata): string {
  const pieces: string[] = [];
  const { model, provider } = metadata.chatModel ?? {};
  if (model !== undefined) pieces.push(provider !== undefined ? `${model} (${provider})` : model);
  const usage = metadata.usage;
  if (usage?.totalTokens !== undefined) {
    const split =
      usage.inputTokens !== undefined && usage.outputTokens !== undefined
        ? ` (${formatCount(usage.inputTokens)} in, ${formatCount(usage.outputTokens)} out)`
        : '';
    pieces.push(`usage ${countOf(usage.totalTokens, 'token')}${split}`);
  }
  return pieces.join(' · ');
}

/** Cuts `text` to at most `maxChars` UTF-16 units without splitting a surrogate pair. */
function cutText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** `text` cut to `maxChars`, with a note saying how much there was. */
export function truncateWithNote(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${cutText(text, maxChars)}\n… (truncated: ${formatCount(text.length)} characters in total)`;
}

/** JSON of a stored value (pretty unless `indent` is 0), cut to `maxChars` with a note saying how much was left out. */
export function jsonPreview(value: unknown, maxChars: number, indent = 2): string {
  return truncateWithNote(JSON.stringify(value, null, indent) ?? 'null', maxChars);
}

/** `Source` for a cited web page, `Document` for a cited document (AI SDK `source-document`). */
export function sourceLabel(type: 'source-url' | 'source-document' | 'source'): string {
  return type === 'source-document' ? 'Document' : 'Source';
}
