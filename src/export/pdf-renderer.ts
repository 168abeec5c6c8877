import PDFDocument from 'pdfkit';
import { splitCodeBlocks } from './code-blocks.ts';
import { countOf, describeFacts, formatUtc, jsonPreview, roleLabel, sourceLabel, truncateWithNote } from './display-format.ts';
import type { ChunkSink, ExportFooter, ExportHeader, ExportMessage } from './export-types.ts';
import { parseMessageMetadata } from '../chat/message-metadata.ts';
import { readMessageParts, type MessagePart } from '../chat/message-part.ts';
import { pdfFonts, type PdfFace } from './pdf-fonts.ts';

/** A PDF being written: messages are laid out and handed to the sink as pages complete. */
export interface PdfExport {
  addMessage(message: ExportMessage): Promise<void>;
  /** Writes the summary and analysis, closes the document and hands its last bytes to the sink. */
  finish(footer: ExportFooter): Promise<void>;
}

const MARGIN = { top: 56, bottom: 64, left: 56, right: 56 };
const MAX_TOOL_JSON_CHARS = 1_500;
const MAX_PREVIEW_CHARS = 1_500;
const MAX_ANALYSIS_JSON_CHARS = 20_000;
// See dropLayoutCaches.
const MESSAGES_PER_CACHE_DROP = 200;

const COLORS = {
  text: '#1a1a1a',
  muted: '#6b6b6b',
  user: '#1d4ed8',
  assistant: '#047857',
  other: '#7c3aed',
  error: '#b91c1c',
  link: '#1d4ed8',
  rule: '#d4d4d4',
};

interface Style {
  face: PdfFace;
  size: number;
  color: string;
}

const BODY: Style = { face: 'regular', size: 10, color: COLORS.text };
const LABEL: Style = { face: 'bold', size: 8.5, color: COLORS.muted };
const CODE: Style = { face: 'mono', size: 7.5, color: COLORS.muted };
const SOURCE_CODE: Style = { face: 'mono', size: 8, color: COLORS.text };

function roleColor(role: string): string {
  if (role === 'user') return COLORS.user;
  if (role === 'assistant') return COLORS.assistant;
  return COLORS.other;
}

function isWebUrl(url: string | null): url is string {
  return url !== null && /^https?:\/\//i.test(url);
}

/**
 * pdfkit caches the layout of every distinct word per font and never evicts it, so a long thread full of distinct
 * tokens (ids, numbers, URLs) grows it without bound. Dropping it now and then keeps memory flat for little time.
 * The cache is internal to pdfkit (pinned version); the memory test of long exports guards this.
 */
function dropLayoutCaches(doc: PDFKit.PDFDocument): void {
  const families: unknown = Reflect.get(doc, '_fontFamilies');
  if (typeof families !== 'object' || families === null) return;
  for (const font of Object.values(families)) {
    if (typeof font === 'object' && font !== null && 'layoutCache' in font && font.layoutCache) {
      Reflect.set(font, 'layoutCache', Object.create(null));
    }
  }
}

/**
 * Starts a PDF export: the title block is laid out at once; pages are flushed to `sink` as soon as the next page
 * begins, so memory stays bounded however long the thread. Fonts are embedded DejaVu (Unicode), subset to the glyphs
 * used; characters the fonts lack (CJK, colour emoji) are drawn as a placeholder.
 */
export function createPdfExport(header: ExportHeader, sink: ChunkSink): PdfExport {
  const fonts = pdfFonts();
  const title = header.threadTitle.replace(/\s+/g, ' ').trim() || 'Untitled conversation';
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    autoFirstPage: false,
    bufferPages: false,
    displayTitle: true,
    info: {
      Title: fonts.regular.fit(title),
      Subject: `Archive: ${fonts.regular.fit(header.archiveName)}`,
      Creator: 'chat-archiver',
      Producer: 'chat-archiver',
      CreationDate: header.exportedAt,
    },
  });
  for (const face of Object.keys(fonts) as PdfFace[]) doc.registerFont(face, fonts[face].data);

  const contentWidth = (): number => doc.page.width - MARGIN.left - MARGIN.right;
  let current: Style = BODY;
  let pageNumber = 0;
  let messagesSinceCacheDrop = 0;

  const apply = (style: Style): void => {
    current = style;
    doc.font(style.face).fontSize(style.size).fillColor(style.color);
  };

  // Runs inside pdfkit's own line flow when text spills onto a new page, so it must leave font, colour and cursor
  // exactly as it found them; lineBreak:false keeps the footer from triggering a page break of its own.
  doc.on('pageAdded', () => {
    pageNumber += 1;
    const resume = current;
    const { x, y } = doc;
    const footer = `${fonts.regular.fit(title)} · page ${pageNumber}`;
    apply({ face: 'regular', size: 8, color: COLORS.muted });
    doc.text(footer, MARGIN.left, doc.page.height - MARGIN.bottom + 24, {
      width: contentWidth(),
      align: 'center',
      lineBreak: false,
      height: 12,
      ellipsis: true,
    });
    apply(resume);
    doc.x = x;
    doc.y = y;
  });

  const write = (style: Style, text: string, options: PDFKit.Mixins.TextOptions = {}): void => {
    apply(style);
    doc.text(fonts[style.face].fit(text), { width: contentWidth(), ...options });
  };

  const writeIndented = (indent: number, style: Style, text: string, options: PDFKit.Mixins.TextOptions = {}): void => {
    apply(style);
    doc.text(fonts[style.face].fit(text), MARGIN.left + indent, doc.y, { width: contentWidth() - indent, ...options });
    doc.x = MARGIN.left;
  };

  const keepRoomFor = (height: number): void => {
    if (doc.y + height > doc.page.height - MARGIN.bottom) doc.addPage();
  };

  const gap = (points: number): void => {
    doc.y += points;
  };

  const rule = (): void => {
    doc
      .moveTo(MARGIN.left, doc.y)
      .lineTo(doc.page.width - MARGIN.right, doc.y)
      .lineWidth(0.5)
      .strokeColor(COLORS.rule)
      .stroke();
  };

  const flush = async (): Promise<void> => {
    let chunk: Buffer | null;
    while ((chunk = doc.read() as Buffer | null) !== null) await sink.write(chunk);
  };

  const renderPart = (part: MessagePart): void => {
    switch (part.kind) {
      case 'text':
        if (part.preview) {
          write(LABEL, 'Attachment preview');
          writeIndented(10, CODE, truncateWithNote(part.text, MAX_PREVIEW_CHARS));
        } else {
          for (const block of splitCodeBlocks(part.text)) {
            const text = block.text.replace(/^(?:[ \t]*\n)+|\s+$/g, '');
            if (text === '') continue;
            if (block.code) {
              gap(3);
              writeIndented(10, SOURCE_CODE, text);
              gap(4);
            } else {
              write(BODY, text, { lineGap: 1.5 });
            }
          }
        }
        gap(5);
        return;
      case 'reasoning':
        write(LABEL, 'Reasoning');
        writeIndented(10, { face: 'italic', size: 9, color: COLORS.muted }, part.text, { lineGap: 1 });
        gap(5);
        return;
      case 'step-start':
        return;
      case 'tool': {
        const outcomeColor = part.status === 'error' ? COLORS.error : COLORS.muted;
        write({ ...LABEL, color: outcomeColor }, `Tool ${part.toolName} — ${part.status}`);
        writeIndented(10, CODE, `input: ${jsonPreview(part.input ?? null, MAX_TOOL_JSON_CHARS, 0)}`);
        if (part.hasOutput) writeIndented(10, CODE, `output: ${jsonPreview(part.output, MAX_TOOL_JSON_CHARS, 0)}`);
        if (part.errorText !== null) {
          writeIndented(10, { ...CODE, color: COLORS.error }, `error: ${truncateWithNote(part.errorText, MAX_TOOL_JSON_CHARS)}`);
        }
        gap(5);
        return;
      }
      case 'file': {
        const name = part.filename ?? part.url ?? 'unnamed file';
        const type = part.mediaType !== null ? ` (${part.mediaType})` : '';
        const linked = isWebUrl(part.url);
        write(
          { face: 'regular', size: 9, color: linked ? COLORS.link : COLORS.muted },
          `File: ${name}${type}`,
          linked ? { link: part.url, underline: true } : {},
        );
        gap(4);
        return;
      }
      case 'source': {
        const linked = isWebUrl(part.url);
        write(
          { face: 'regular', size: 9, color: linked ? COLORS.link : COLORS.muted },
          `${sourceLabel(part.type)}: ${part.title ?? part.url ?? ''}`,
          linked ? { link: part.url, underline: true } : {},
        );
        gap(4);
        return;
      }
      case 'unknown':
        write({ face: 'italic', size: 8.5, color: COLORS.muted }, `[Unsupported part: ${part.type}]`);
        gap(4);
        return;
    }
  };

  doc.addPage();
  write({ face: 'bold', size: 18, color: COLORS.text }, title);
  gap(6);
  const meta: Array<[string, string]> = [['Archive', header.archiveName]];
  const description = header.archiveDescription?.trim() ?? '';
  if (description !== '') meta.push(['Description', description]);
  meta.push(
    ['Thread', header.threadId],
    ['User', header.userId],
    ['Exported', formatUtc(header.exportedAt)],
    ['Encoding', header.encoding],
  );
  for (const [key, value] of meta) {
    apply({ face: 'bold', size: 9, color: COLORS.muted });
    doc.text(`${key}: `, { width: contentWidth(), continued: true });
    write({ face: 'regular', size: 9, color: COLORS.text }, value);
  }
  gap(10);
  rule();
  gap(14);

  return {
    async addMessage(message) {
      keepRoomFor(48);
      const role = roleLabel(message.role);
      apply({ face: 'bold', size: 11, color: roleColor(message.role) });
      doc.text(fonts.bold.fit(role), { width: contentWidth(), continued: true });
      write({ face: 'regular', size: 8.5, color: COLORS.muted }, `   ${formatUtc(message.createdAt)}`);
      const facts = [countOf(message.tokens, 'token'), describeFacts(parseMessageMetadata(message.metadata))]
        .filter((piece) => piece !== '')
        .join(' · ');
      write({ face: 'regular', size: 7.5, color: COLORS.muted }, facts);
      gap(4);
      const parts = message.parts ?? [];
      if (parts.length === 0) write({ face: 'italic', size: 9, color: COLORS.muted }, '(no content)');
      for (const part of readMessageParts(parts)) renderPart(part);
      gap(8);

      messagesSinceCacheDrop += 1;
      if (messagesSinceCacheDrop >= MESSAGES_PER_CACHE_DROP) {
        dropLayoutCaches(doc);
        messagesSinceCacheDrop = 0;
      }
      await flush();
    },

    async finish(footer) {
      keepRoomFor(80);
      rule();
      gap(12);
      write({ face: 'bold', size: 13, color: COLORS.text }, 'Summary');
      gap(4);
      write(BODY, footer.summary.trim() || '(no summary)', { lineGap: 1.5 });
      gap(10);
      keepRoomFor(40);
      write({ face: 'bold', size: 13, color: COLORS.text }, 'Analysis');
      gap(4);
      write({ face: 'mono', size: 7.5, color: COLORS.text }, jsonPreview(footer.analysis ?? null, MAX_ANALYSIS_JSON_CHARS));
      gap(10);
      write(
        { face: 'regular', size: 9, color: COLORS.muted },
        `${countOf(footer.messageCount, 'message')} · ${countOf(footer.tokensTotal, 'token')}`,
      );
      doc.end();
      await flush();
    },
  };
}
