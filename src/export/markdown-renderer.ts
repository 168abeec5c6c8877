import type { BlockContent, Html, Paragraph, PhrasingContent, Root, RootContent, TableRow } from 'mdast';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { toMarkdown, type Options as ToMarkdownOptions } from 'mdast-util-to-markdown';
import { analysisTables, type AnalysisTable } from './analysis-tables.ts';
import { countOf, describeFacts, formatUtc, jsonPreview, roleLabel, sourceLabel, truncateWithNote } from './display-format.ts';
import type { ExportFooter, ExportHeader, ExportMessage } from './export-types.ts';
import { containMarkdown } from './markdown-containment.ts';
import { parseMessageMetadata } from '../chat/message-metadata.ts';
import { readMessageParts, type MessagePart } from '../chat/message-part.ts';
import { escapeHtml } from '../html-text.ts';

// Every chunk is serialized from a syntax tree, so titles, table cells and code fences are escaped by the serializer
// rather than by hand; chat text enters the tree only through containMarkdown. Each chunk ends with a blank line, so
// the next one always starts a fresh block.

const MAX_TOOL_JSON_CHARS = 4_000;
const MAX_PREVIEW_CHARS = 4_000;
const MAX_ANALYSIS_JSON_CHARS = 200_000;

const serializeOptions: ToMarkdownOptions = { bullet: '-', emphasis: '_', rule: '-', extensions: [gfmToMarkdown()] };

function serialize(children: RootContent[]): string {
  const root: Root = { type: 'root', children };
  return `${toMarkdown(root, serializeOptions)}\n`;
}

function text(value: string): PhrasingContent {
  return { type: 'text', value };
}

function paragraph(...children: PhrasingContent[]): Paragraph {
  return { type: 'paragraph', children };
}

function strong(value: string): PhrasingContent {
  return { type: 'strong', children: [text(value)] };
}

function emphasis(value: string): PhrasingContent {
  return { type: 'emphasis', children: [text(value)] };
}

function html(value: string): Html {
  return { type: 'html', value };
}

/** A folded section; its summary is plain text, escaped here because it sits inside raw HTML. */
function folded(summary: string, body: RootContent[]): RootContent[] {
  return [html(`<details>\n<summary>${escapeHtml(summary.replace(/\s+/g, ' '))}</summary>`), ...body, html('</details>')];
}

function jsonBlock(value: unknown, maxChars: number): RootContent {
  return { type: 'code', lang: 'json', value: jsonPreview(value, maxChars) };
}

function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** A labelled link when the URL is a web address; other schemes (data:, javascript:) are shown, cut, as code. */
function linkTo(label: string, url: string | null): PhrasingContent[] {
  if (url !== null && isWebUrl(url)) return [{ type: 'link', url, children: [text(label)] }];
  if (url === null || url === '') return [text(label)];
  const shown = url.length > 80 ? `${url.slice(0, 80)}…` : url;
  return [text(`${label} `), { type: 'inlineCode', value: shown }];
}

function renderPart(part: MessagePart): RootContent[] {
  switch (part.kind) {
    case 'text':
      if (part.preview) {
        return folded('Attachment preview', [{ type: 'code', lang: 'text', value: truncateWithNote(part.text, MAX_PREVIEW_CHARS) }]);
      }
      return containMarkdown(part.text);
    case 'reasoning': {
      const body = containMarkdown(part.text) as BlockContent[];
      return [{ type: 'blockquote', children: [paragraph(strong('Reasoning')), ...body] }];
    }
    case 'step-start':
      return [];
    case 'tool': {
      const body: RootContent[] = [paragraph(strong('Input')), jsonBlock(part.input ?? null, MAX_TOOL_JSON_CHARS)];
      if (part.hasOutput) body.push(paragraph(strong('Output')), jsonBlock(part.output, MAX_TOOL_JSON_CHARS));
      if (part.errorText !== null) {
        body.push(paragraph(strong('Error')), { type: 'code', lang: 'text', value: truncateWithNote(part.errorText, MAX_TOOL_JSON_CHARS) });
      }
      return folded(`Tool ${part.toolName} — ${part.status}`, body);
    }
    case 'file': {
      const label = part.filename ?? part.url ?? 'unnamed file';
      const type = part.mediaType !== null ? ` (${part.mediaType})` : '';
      return [paragraph(strong('File:'), text(' '), ...linkTo(label, part.url), text(type))];
    }
    case 'source':
      return [paragraph(strong(`${sourceLabel(part.type)}:`), text(' '), ...linkTo(part.title ?? part.url ?? '', part.url))];
    case 'unknown':
      return folded(`Unsupported part “${part.type}”`, [jsonBlock(part.raw, MAX_TOOL_JSON_CHARS)]);
  }
}

function row(label: string, value: PhrasingContent[]): TableRow {
  return {
    type: 'tableRow',
    children: [
      { type: 'tableCell', children: [text(label)] },
      { type: 'tableCell', children: value },
    ],
  };
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

export function renderMarkdownHeader(header: ExportHeader): string {
  const title = oneLine(header.threadTitle) || 'Untitled conversation';
  const rows: TableRow[] = [
    row('Field', [text('Value')]),
    row('Archive', [text(oneLine(header.archiveName))]),
  ];
  const description = oneLine(header.archiveDescription ?? '');
  if (description !== '') rows.push(row('Description', [text(description)]));
  rows.push(
    row('Thread', [{ type: 'inlineCode', value: header.threadId }]),
    row('User', [{ type: 'inlineCode', value: header.userId }]),
    row('Exported', [text(formatUtc(header.exportedAt))]),
    row('Encoding', [text(header.encoding)]),
  );
  return serialize([
    { type: 'heading', depth: 1, children: [text(title)] },
    { type: 'table', align: ['left', 'left'], children: rows },
  ]);
}

export function renderMarkdownMessage(message: ExportMessage): string {
  const children: RootContent[] = [
    { type: 'heading', depth: 2, children: [text(`${roleLabel(message.role)} · ${formatUtc(message.createdAt)}`)] },
  ];
  const facts = describeFacts(parseMessageMetadata(message.metadata));
  children.push(paragraph(emphasis([countOf(message.tokens, 'token'), facts].filter((s) => s !== '').join(' · '))));
  const before = children.length;
  for (const part of readMessageParts(message.parts)) children.push(...renderPart(part));
  if (children.length === before) children.push(paragraph(emphasis('(no content)')));
  return serialize(children);
}

function markdownTable(table: AnalysisTable): RootContent[] {
  const cells = (values: string[]): TableRow => ({
    type: 'tableRow',
    children: values.map((value) => ({ type: 'tableCell', children: value === '' ? [] : [text(oneLine(value))] })),
  });
  return [
    { type: 'heading', depth: 3, children: [text(table.title)] },
    { type: 'table', align: table.align, children: [cells(table.columns), ...table.rows.map(cells)] },
  ];
}

/** Readable tables; the raw JSON only for an analysis this version cannot read (the JSON export keeps it all). */
function analysisSection(analysis: unknown): RootContent[] {
  const tables = analysisTables(analysis);
  return tables === null ? [jsonBlock(analysis ?? null, MAX_ANALYSIS_JSON_CHARS)] : tables.flatMap(markdownTable);
}

export function renderMarkdownFooter(footer: ExportFooter): string {
  const summary = containMarkdown(footer.summary);
  return serialize([
    { type: 'thematicBreak' },
    { type: 'heading', depth: 2, children: [text('Summary')] },
    ...(summary.length > 0 ? summary : [paragraph(emphasis('(no summary)'))]),
    { type: 'heading', depth: 2, children: [text('Analysis')] },
    ...analysisSection(footer.analysis),
    paragraph(emphasis(`${countOf(footer.messageCount, 'message')} · ${countOf(footer.tokensTotal, 'token')}`)),
  ]);
}
