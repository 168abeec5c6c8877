import { z } from 'zod';

/** How far a tool call got, in words a reader understands. */
export type ToolOutcome = 'done' | 'error' | 'no result' | 'incomplete' | 'unknown state';

/** A stored message part, reduced to what a readable export shows. */
export type ReadablePart =
  | { kind: 'text'; text: string; preview: boolean }
  | { kind: 'reasoning'; text: string }
  | { kind: 'step-start' }
  | {
      kind: 'tool';
      toolName: string;
      outcome: ToolOutcome;
      input: unknown;
      hasOutput: boolean;
      output: unknown;
      errorText: string | null;
    }
  | { kind: 'file'; url: string | null; mediaType: string | null; filename: string | null }
  | { kind: 'source'; url: string; title: string | null }
  | { kind: 'unknown'; type: string; raw: unknown };

const optionalText = z.string().nullish();

const textPart = z.object({ type: z.literal('text'), text: z.string(), ingestionPreview: z.boolean().nullish() });
const reasoningPart = z.object({ type: z.literal('reasoning'), text: z.string() });
const toolPart = z.object({
  type: z.string().startsWith('tool-'),
  state: optionalText,
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: optionalText,
});
const dynamicToolPart = toolPart.extend({ type: z.literal('dynamic-tool'), toolName: z.string() });
// AI SDK v4 rows written before the app moved to v5; no migration converted them.
const legacyToolPart = z.object({
  type: z.literal('tool-invocation'),
  toolInvocation: z.object({ toolName: z.string(), state: optionalText, args: z.unknown().optional(), result: z.unknown().optional() }),
});
const filePart = z.object({
  type: z.literal('file'),
  url: optionalText,
  mediaType: optionalText,
  mimeType: optionalText,
  filename: optionalText,
});
const sourceUrlPart = z.object({ type: z.literal('source-url'), url: z.string(), title: optionalText });
const legacySourcePart = z.object({
  type: z.literal('source'),
  source: z.object({ url: z.string(), title: optionalText }),
});
const anyTypedPart = z.object({ type: z.string() });

function outcomeOf(state: string | null | undefined, hasOutput: boolean, hasError: boolean): ToolOutcome {
  switch (state) {
    case 'output-available':
    case 'result':
      return 'done';
    case 'output-error':
      return 'error';
    case 'input-available':
    case 'call':
      return 'no result';
    case 'input-streaming':
    case 'partial-call':
      return 'incomplete';
    default:
      if (hasError) return 'error';
      return hasOutput ? 'done' : 'unknown state';
  }
}

function toolView(toolName: string, state: string | null | undefined, input: unknown, output: unknown, errorText: string | null | undefined): ReadablePart {
  const hasOutput = output !== undefined;
  return {
    kind: 'tool',
    toolName,
    outcome: outcomeOf(state, hasOutput, typeof errorText === 'string'),
    input,
    hasOutput,
    output,
    errorText: errorText ?? null,
  };
}

/** Reads one stored part (AI SDK v5, or legacy v4) for display; anything unrecognised becomes `unknown`. */
export function readPart(part: unknown): ReadablePart {
  const typed = anyTypedPart.safeParse(part);
  if (!typed.success) return { kind: 'unknown', type: '(untyped)', raw: part };
  const type = typed.data.type;

  if (type === 'text') {
    const p = textPart.safeParse(part);
    if (p.success) return { kind: 'text', text: p.data.text, preview: p.data.ingestionPreview === true };
  } else if (type === 'reasoning') {
    const p = reasoningPart.safeParse(part);
    if (p.success) return { kind: 'reasoning', text: p.data.text };
  } else if (type === 'step-start') {
    return { kind: 'step-start' };
  } else if (type === 'file') {
    const p = filePart.safeParse(part);
    if (p.success) {
      return {
        kind: 'file',
        url: p.data.url ?? null,
        mediaType: p.data.mediaType ?? p.data.mimeType ?? null,
        filename: p.data.filename ?? null,
      };
    }
  } else if (type === 'source-url') {
    const p = sourceUrlPart.safeParse(part);
    if (p.success) return { kind: 'source', url: p.data.url, title: p.data.title ?? null };
  } else if (type === 'source') {
    const p = legacySourcePart.safeParse(part);
    if (p.success) return { kind: 'source', url: p.data.source.url, title: p.data.source.title ?? null };
  } else if (type === 'dynamic-tool') {
    const p = dynamicToolPart.safeParse(part);
    if (p.success) return toolView(p.data.toolName, p.data.state, p.data.input, p.data.output, p.data.errorText);
  } else if (type.startsWith('tool-')) {
    // A v5 tool could itself be named "invocation"; the nested object is what marks a v4 part.
    const legacy = legacyToolPart.safeParse(part);
    if (legacy.success) {
      const call = legacy.data.toolInvocation;
      return toolView(call.toolName, call.state, call.args, call.result, undefined);
    }
    const p = toolPart.safeParse(part);
    if (p.success) return toolView(type.slice('tool-'.length), p.data.state, p.data.input, p.data.output, p.data.errorText);
  }
  return { kind: 'unknown', type, raw: part };
}
