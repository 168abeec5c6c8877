/** A run of chat text: prose, or the inside of a fenced code block. */
export interface TextBlock {
  code: boolean;
  text: string;
}

const opening = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * Splits Markdown text at top-level fenced code blocks (``` or ~~~), dropping the fence lines, so that a renderer
 * without Markdown can still set code apart. An unclosed fence runs to the end, as in CommonMark.
 */
export function splitCodeBlocks(text: string): TextBlock[] {
  if (text === '') return [];
  const blocks: TextBlock[] = [];
  let lines: string[] = [];
  let fence: string | null = null;
  const close = (code: boolean): void => {
    if (lines.length > 0) blocks.push({ code, text: lines.join('\n') });
    lines = [];
  };
  for (const line of text.split(/\r\n?|\n/)) {
    if (fence === null) {
      const match = opening.exec(line);
      const marker = match?.[1];
      if (marker !== undefined && !(marker.startsWith('`') && (match?.[2] ?? '').includes('`'))) {
        close(false);
        fence = marker;
        continue;
      }
    } else {
      const trimmed = line.trim();
      const char = fence.charAt(0);
      if (trimmed.length >= fence.length && /^ {0,3}\S/.test(line) && [...trimmed].every((c) => c === char)) {
        close(true);
        fence = null;
        continue;
      }
    }
    lines.push(line);
  }
  close(fence !== null);
  return blocks;
}
