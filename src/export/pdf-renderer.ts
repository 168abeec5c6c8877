import PDFDocument from 'pdfkit';
import { TimeSlice } from '../time-slice.ts';
import type { ChunkSink, ExportFooter, ExportHeader, ExportMessage } from './export-types.ts';
import { normalizeForDrawing } from './glyph-filter.ts';
import { readMessageParts } from '../chat/message-part.ts';
import { PAGE_MARGIN, PdfLayout } from './pdf-layout.ts';

/** A PDF being written: messages are laid out and handed to the sink as pages complete. */
export interface PdfExport {
  addMessage(message: ExportMessage): Promise<void>;
  /** Writes the summary and analysis, closes the document and hands its last bytes to the sink. */
  finish(footer: ExportFooter): Promise<void>;
}

// See dropLayoutCaches.
const MESSAGES_PER_CACHE_DROP = 200;

/**
 * pdfkit caches the layout of every distinct word per embedded font and never evicts it, so a long thread full of
 * distinct tokens (ids, numbers, URLs) grows it without bound. Dropping it now and then keeps memory flat for little
 * time. The cache is internal to pdfkit (pinned version); the memory test of long exports guards this.
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
 * begins, so memory stays bounded however long the thread. Fonts: see PdfTypefaces. Layout yields through `slice`
 * whenever it is due.
 */
export function createPdfExport(header: ExportHeader, sink: ChunkSink, slice = new TimeSlice()): PdfExport {
  const title = normalizeForDrawing(header.threadTitle).replace(/\s+/g, ' ').trim() || 'Untitled conversation';
  const doc = new PDFDocument({
    size: 'A4',
    margins: PAGE_MARGIN,
    autoFirstPage: false,
    bufferPages: false,
    displayTitle: true,
    info: {
      Title: title,
      Subject: `Archive: ${normalizeForDrawing(header.archiveName)}`,
      Creator: 'chat-archiver',
      Producer: 'chat-archiver',
      CreationDate: header.exportedAt,
    },
  });
  const layout = new PdfLayout(doc, title);
  let messagesSinceCacheDrop = 0;

  const flush = async (): Promise<void> => {
    let chunk: Buffer | null;
    while ((chunk = doc.read() as Buffer | null) !== null) await sink.write(chunk);
  };

  layout.titleBlock(header);

  return {
    async addMessage(message) {
      layout.messageHeading(message);
      const parts = message.parts ?? [];
      if (parts.length === 0) layout.noContent();
      for (const part of readMessageParts(parts)) await layout.part(part, slice);
      layout.messageEnd();

      messagesSinceCacheDrop += 1;
      if (messagesSinceCacheDrop >= MESSAGES_PER_CACHE_DROP) {
        dropLayoutCaches(doc);
        messagesSinceCacheDrop = 0;
      }
      await flush();
    },

    async finish(footer) {
      layout.footer(footer);
      doc.end();
      await flush();
    },
  };
}
