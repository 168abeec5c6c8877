import type { SnapshotBlock, SnapshotDocument } from './snapshot-document.ts';

/** Text that Markdown shows literally: no emphasis, links, HTML, headings or table breaks from the data. */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-=]{3,}|\d+\.)/gm, (_m, space: string, mark: string) => `${space}\\${mark}`)
    .replace(/\r?\n/g, '  \n');
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(language: string, text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

const cell = (text: string) => escapeMarkdownText(text).replace(/ {2}\n/g, ' ');

function block(b: SnapshotBlock): string {
  switch (b.kind) {
    case 'paragraph':
      return escapeMarkdownText(b.text);
    case 'facts':
      return b.rows.map(([label, value]) => `- **${cell(label)}**: ${cell(value)}`).join('\n');
    case 'list':
      return b.items.length ? b.items.map((item) => `- ${cell(item)}`).join('\n') : '_none_';
    case 'code':
      return fenced(b.language, b.text);
    case 'table':
      if (b.rows.length === 0) return '_none_';
      return [
        `| ${b.header.map(cell).join(' | ')} |`,
        `| ${b.header.map(() => '---').join(' | ')} |`,
        ...b.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ].join('\n');
  }
}

/** The whole document as GitHub-flavoured Markdown (Mermaid code blocks render as charts where supported). Pure. */
export function renderSnapshotMarkdown(doc: SnapshotDocument): string {
  const parts = [`# ${cell(doc.title)}`, `_${cell(doc.subtitle)}_`];
  for (const section of doc.sections) {
    parts.push(`## ${cell(section.heading)}`);
    for (const b of section.blocks) parts.push(block(b));
  }
  return `${parts.join('\n\n')}\n`;
}
