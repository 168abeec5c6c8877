import type { ExportStore } from './object-store.ts';
import type { ChunkSink, ExportFileResult, ExportFooter, ExportFormat, ExportHeader, ExportMessage } from './export-types.ts';
import { renderJsonFooter, renderJsonHeader, renderJsonMessage } from './json-renderer.ts';

/** Where export files go: the store, under `<archiveId>/<threadId>[.<jobId>].<json|md|pdf>`. */
export interface ExportTarget {
  store: ExportStore;
  /** The job writing the export; its id keys the object (see ExportFileName). */
  jobId?: string;
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  pdf: 'application/pdf',
};

/**
 * One thread's export being written. Feed messages in order, then `finish`; on any failure call `abort`, which
 * removes the partial file (and is harmless after `finish`).
 */
export interface ExportWriter {
  addMessage(message: ExportMessage): Promise<void>;
  finish(footer: ExportFooter): Promise<ExportFileResult>;
  abort(): Promise<void>;
}

/** JSON and Markdown: the header is written at once, then one chunk per message and the footer. */
async function textRenderer(
  file: ChunkSink,
  header: string,
  renderMessage: (message: ExportMessage, index: number) => string,
  renderFooter: (footer: ExportFooter) => string,
): Promise<ThreadRenderer> {
  await file.write(header);
  let index = 0;
  return {
    async addMessage(message) {
      await file.write(renderMessage(message, index));
      index += 1;
    },
    finish: (footer) => file.write(renderFooter(footer)),
  };
}

/** Renders a thread in `format` into `sink`, message by message; the caller ends the sink after `finish`. */
export interface ThreadRenderer {
  addMessage(message: ExportMessage): Promise<void>;
  finish(footer: ExportFooter): Promise<void>;
}

/** Writes the header to `sink` and answers the renderer of the messages and footer. */
export async function startThreadRenderer(format: ExportFormat, header: ExportHeader, sink: ChunkSink): Promise<ThreadRenderer> {
  switch (format) {
    case 'json':
      return textRenderer(sink, renderJsonHeader(header), renderJsonMessage, renderJsonFooter);
    // The Markdown and PDF renderers (a CommonMark parser; pdfkit and its fonts) load on first use: a worker that
    // never writes them stays about 40 MB smaller.
    case 'markdown': {
      const markdown = await import('./markdown-renderer.ts');
      return textRenderer(sink, markdown.renderMarkdownHeader(header), markdown.renderMarkdownMessage, markdown.renderMarkdownFooter);
    }
    case 'pdf':
      return (await import('./pdf-renderer.ts')).createPdfExport(header, sink);
    default:
      throw new Error(`unknown export format ${JSON.stringify(format satisfies never)}`);
  }
}

/**
 * Starts writing a thread's export in `format`. Output streams to the store message by message (memory stays bounded
 * however long the thread) and appears under its final name only when `finish` succeeds.
 */
export async function createExportWriter(format: ExportFormat, header: ExportHeader, target: ExportTarget): Promise<ExportWriter> {
  const file = await target.store.create(
    { archiveId: header.archiveId, threadId: header.threadId, format, ...(target.jobId ? { jobId: target.jobId } : {}) },
    EXPORT_CONTENT_TYPES[format],
  );
  let renderer: ThreadRenderer;
  try {
    renderer = await startThreadRenderer(format, header, file);
  } catch (error) {
    await file.abort();
    throw error;
  }

  return {
    addMessage: (message) => renderer.addMessage(message),
    async finish(footer) {
      try {
        await renderer.finish(footer);
        return await file.commit();
      } catch (error) {
        await file.abort();
        throw error;
      }
    },
    abort: () => file.abort(),
  };
}
